export { main } from './main.js';
export { EXIT, type ExitCode, UsageError } from './exit-codes.js';
