import { createRequire } from 'node:module';

const requireOnUse = createRequire(import.meta.url);
let loaded: typeof import('undici') | undefined;

/**
 * undici, loaded when the ledger client or the egress guard is made rather than with the
 * package: imported eagerly it was a tenth to a fifth of a second of every importer's start (the
 * CLI's gate commands, `--help` included). undici is CommonJS, so `require` returns the module an
 * `import` would, and the constructors that make a Pool stay synchronous.
 */
export function undici(): typeof import('undici') {
  // Kept after the first call: request paths call this once per request.
  loaded ??= requireOnUse('undici') as typeof import('undici');
  return loaded;
}
