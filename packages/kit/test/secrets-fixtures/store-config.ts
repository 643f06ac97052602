import type { ServiceConfig } from '../../src/config.js';

/** A secrets section as loadConfig would give it: the schema's defaults, then the overrides. */
export function secretsConfig(
  overrides: Partial<ServiceConfig['secrets']> = {},
): ServiceConfig['secrets'] {
  return { env: false, cacheTtlMs: 60_000, ...overrides };
}
