export { CHANGE_CLASSES, type ChangeClassId, changeClass } from './classes.js';
export * from './config/contract-config.js';
export * from './diff/index.js';
export { ContractError, type ContractErrorCode } from './errors.js';
export * from './load/index.js';
export * from './model.js';
export * from './report/index.js';
