import { createRequire } from 'node:module';

/** The CLI's version, from its package.json: `bulwark --version` and every evidence bundle. */
export const CLI_VERSION: string = (
  createRequire(import.meta.url)('../package.json') as { version: string }
).version;
