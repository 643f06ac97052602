import { createRequire } from 'node:module';

const requireOnUse = createRequire(import.meta.url);
let loaded: typeof import('undici') | undefined;

/**
 * undici, loaded when the first client or probe is made rather than with the kit: imported
 * eagerly it was about a fifth of a second of loading @bulwark/kit, paid by every importer (the
 * CLI, the verifier) whether or not it sends a request. undici is CommonJS, so `require` returns
 * the module an `import` would, and the constructors that make an Agent stay synchronous.
 */
export function undici(): typeof import('undici') {
  // Kept after the first call: request paths call this once per request.
  loaded ??= requireOnUse('undici') as typeof import('undici');
  return loaded;
}
