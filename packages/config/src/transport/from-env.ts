import { isPostgresUrl } from '@bulwark/db';
import { ConfigRegistryError } from '../errors.js';
import { HttpConfigTransport } from './http-transport.js';
import { NatsConfigTransport } from './nats-transport.js';
import { PostgresConfigTransport } from './postgres-transport.js';
import type { ConfigTransport, TransportErrorReporter } from './transport.js';

/** The variables configTransportFromEnv reads. */
export const CONFIG_TRANSPORT_ENV = {
  /** NATS server URL(s), comma-separated: NATS JetStream when set. */
  nats: 'NATS_URL',
  /** Otherwise a postgres:// URL shared by the registry and its consumers: LISTEN/NOTIFY. */
  postgres: 'CONFIG_TRANSPORT_URL',
  /** NATS only: the stream and subject namespace (default `bulwark`). */
  namespace: 'BULWARK_CONFIG_NATS_NAMESPACE',
  /**
   * Otherwise, a consumer of a registry that runs embedded (PGlite): the registry's http(s)
   * URL, whose routes carry the messages (HttpConfigTransport).
   */
  registryUrl: 'BULWARK_CONFIG_REGISTRY_URL',
  /** With the registry URL: the API key sent as `x-api-key`, when the registry requires one. */
  registryApiKey: 'BULWARK_CONFIG_REGISTRY_API_KEY',
} as const;

export interface TransportFromEnvOptions {
  readonly onError?: TransportErrorReporter;
  /** NATS: the registry's durable consumer name (the registry service sets it). */
  readonly registryName?: string;
  /** A postgres:// URL to use when neither variable is set (the registry's own database). */
  readonly fallbackPostgresUrl?: string;
}

/**
 * The transport the environment names: NATS JetStream when NATS_URL is set, else PostgreSQL
 * LISTEN/NOTIFY on CONFIG_TRANSPORT_URL (or the fallback URL), else, for a consumer of a
 * registry that runs embedded, its HTTP feed on BULWARK_CONFIG_REGISTRY_URL. None, or a
 * CONFIG_TRANSPORT_URL that is not postgres://: CONFIG_TRANSPORT_FAILED naming the variables,
 * one line. (The embedded registry itself builds an EmbeddedConfigTransport over its database.)
 */
export async function configTransportFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  options: TransportFromEnvOptions = {},
): Promise<ConfigTransport> {
  const nats = env[CONFIG_TRANSPORT_ENV.nats]?.trim();
  const reporter = options.onError === undefined ? {} : { onError: options.onError };
  if (nats) {
    const namespace = env[CONFIG_TRANSPORT_ENV.namespace]?.trim();
    return NatsConfigTransport.connect({
      servers: nats.split(',').map((server) => server.trim()),
      ...(namespace ? { namespace } : {}),
      ...(options.registryName === undefined ? {} : { registryName: options.registryName }),
      ...reporter,
    });
  }
  const url = env[CONFIG_TRANSPORT_ENV.postgres]?.trim() || options.fallbackPostgresUrl;
  if (url && isPostgresUrl(url)) return PostgresConfigTransport.connect({ url, ...reporter });
  const registryUrl = env[CONFIG_TRANSPORT_ENV.registryUrl]?.trim();
  if (!url && registryUrl) {
    const apiKey = env[CONFIG_TRANSPORT_ENV.registryApiKey]?.trim();
    return HttpConfigTransport.connect({
      url: registryUrl,
      ...(apiKey ? { headers: { 'x-api-key': apiKey } } : {}),
      ...reporter,
    });
  }
  throw new ConfigRegistryError(
    'CONFIG_TRANSPORT_FAILED',
    `no config transport: set ${CONFIG_TRANSPORT_ENV.nats} (NATS JetStream), ${CONFIG_TRANSPORT_ENV.postgres} (a postgres:// URL) or ${CONFIG_TRANSPORT_ENV.registryUrl} (the URL of a registry that runs embedded)`,
  );
}
