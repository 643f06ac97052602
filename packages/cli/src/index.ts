export { EXIT, type ExitCode, UsageError } from './exit-codes.js';
export { main } from './main.js';
