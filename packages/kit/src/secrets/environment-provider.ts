import type { ServiceConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import { jsonField } from './secret-fields.js';
import type { SecretProvider } from './secret-provider.js';

const REFUSED_IN_PRODUCTION =
  'secrets from environment variables (secrets.env) are refused in production: every process ' +
  'and crash dump can read them; use a secrets directory, Vault or AWS Secrets Manager';

/** `openai` → BULWARK_SECRET_OPENAI, `db/primary-url` → BULWARK_SECRET_DB_PRIMARY_URL. */
export function secretVariableName(name: string): string {
  return `BULWARK_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * Secrets from BULWARK_SECRET_* variables, for development and tests only. The config schema
 * already refuses secrets.env in production; this provider refuses too, so no path around the
 * config (a store built by hand) gets env secrets in production: it will not be made for the
 * production environment, and neither it is made nor does it read while NODE_ENV says
 * production, whatever environment it was given.
 */
export class EnvironmentSecretProvider implements SecretProvider {
  readonly name = 'environment BULWARK_SECRET_*';
  readonly #env: NodeJS.ProcessEnv;

  constructor(options: { environment: ServiceConfig['environment']; env?: NodeJS.ProcessEnv }) {
    this.#env = options.env ?? process.env;
    if (options.environment === 'production' || this.#inProduction()) {
      throw new ConfigError(REFUSED_IN_PRODUCTION);
    }
  }

  async read(name: string, field?: string): Promise<string | undefined> {
    if (this.#inProduction()) throw new ConfigError(REFUSED_IN_PRODUCTION);
    const text = this.#env[secretVariableName(name)];
    if (text === undefined || text === '') return undefined;
    return field === undefined
      ? text
      : jsonField(text, field, { provider: this.name, secret: name });
  }

  #inProduction(): boolean {
    return this.#env.NODE_ENV === 'production';
  }
}
