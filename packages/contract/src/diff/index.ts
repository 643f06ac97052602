export { type DiffOptions, diffContracts } from './diff-contracts.js';
export { checkLevelOverrides } from './levels.js';
