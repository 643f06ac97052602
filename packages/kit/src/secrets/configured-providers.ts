import type { ServiceConfig } from '../config.js';
import { AwsSecretsManagerProvider } from './aws-provider.js';
import { DirectorySecretProvider } from './directory-provider.js';
import { EnvironmentSecretProvider } from './environment-provider.js';
import type { SecretProvider } from './secret-provider.js';
import { VaultSecretProvider } from './vault-provider.js';

/**
 * The providers the secrets config names, in the order they are asked: the mounted directory
 * first (what the platform put next to the process), then Vault, then AWS, then, outside
 * production only, the environment.
 */
export function configuredProviders(
  config: ServiceConfig['secrets'],
  options: { environment: ServiceConfig['environment']; env?: NodeJS.ProcessEnv },
): SecretProvider[] {
  // Made first: it refuses production, and nothing else should be built (an SDK client, a
  // connection pool) for a store that will not exist.
  const environment = config.env ? new EnvironmentSecretProvider(options) : undefined;
  const providers: SecretProvider[] = [];
  if (config.dir !== undefined) providers.push(new DirectorySecretProvider(config.dir));
  if (config.vault !== undefined) providers.push(new VaultSecretProvider(config.vault));
  if (config.aws !== undefined) providers.push(new AwsSecretsManagerProvider(config.aws));
  if (environment !== undefined) providers.push(environment);
  return providers;
}
