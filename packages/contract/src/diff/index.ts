export { type DiffOptions, diffContracts } from './diff-contracts.js';
export { checkLevelOverrides, LevelOverridesFileSchema, loadLevelOverrides } from './levels.js';
