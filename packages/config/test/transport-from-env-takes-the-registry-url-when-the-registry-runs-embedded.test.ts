import type { Database } from '@bulwark/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApplyMessage,
  ConfigRegistryError,
  configTransportFromEnv,
  EmbeddedConfigTransport,
} from '../src/index.js';
import { applyMessage, Received, uniqueConfig } from './fixtures/config-messages.js';
import {
  type EmbeddedRegistry,
  memoryDatabase,
  startEmbeddedRegistry,
} from './fixtures/embedded-registry.js';
import { freshNatsNamespace, SHARED_NATS_URL, sharedNats } from './fixtures/transport-servers.js';

/**
 * A consumer of a registry that runs embedded has neither NATS_URL nor CONFIG_TRANSPORT_URL,
 * only BULWARK_CONFIG_REGISTRY_URL: configTransportFromEnv gives it the HTTP transport, which
 * works against the registry's routes. The brokers still win when they are named, and a URL
 * that cannot be the registry's fails in one line.
 */
let db: Database;
let registry: EmbeddedRegistry;
const nats = freshNatsNamespace();
beforeAll(async () => {
  db = await memoryDatabase();
  registry = await startEmbeddedRegistry(db);
});
afterAll(async () => {
  await registry?.close();
  await db?.close();
  if (sharedNats.available) await nats.remove();
});

async function failure(env: NodeJS.ProcessEnv): Promise<ConfigRegistryError> {
  const error = await configTransportFromEnv(env).then(
    async (transport) => {
      await transport.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigRegistryError);
  return error as ConfigRegistryError;
}

describe('configTransportFromEnv with BULWARK_CONFIG_REGISTRY_URL', () => {
  it('takes the HTTP transport to the registry, and it carries the registry’s messages', async () => {
    const config = uniqueConfig();
    const registrySide = new EmbeddedConfigTransport(registry.log);
    await registrySide.publishApply(applyMessage(config, 1));
    const transport = await configTransportFromEnv({ BULWARK_CONFIG_REGISTRY_URL: registry.base });
    try {
      expect(transport.kind).toBe('http');
      const received = new Received<ApplyMessage>();
      await transport.onApply(config, received.push);
      expect(received.items.map((m) => m.version.version)).toEqual([1]);
    } finally {
      await transport.close();
      await registrySide.close();
    }
  });

  it.skipIf(!sharedNats.available)('leaves it for NATS when NATS_URL is set too', async () => {
    const transport = await configTransportFromEnv({
      NATS_URL: SHARED_NATS_URL,
      BULWARK_CONFIG_NATS_NAMESPACE: nats.namespace,
      BULWARK_CONFIG_REGISTRY_URL: registry.base,
    });
    await transport.close();
    expect(transport.kind).toBe('nats');
  });

  it('does not pass over a CONFIG_TRANSPORT_URL that is not postgres://', async () => {
    const error = await failure({
      CONFIG_TRANSPORT_URL: '/var/lib/bulwark/registry',
      BULWARK_CONFIG_REGISTRY_URL: registry.base,
    });
    expect(error.code).toBe('CONFIG_TRANSPORT_FAILED');
    expect(error.message).toMatch(/BULWARK_CONFIG_REGISTRY_URL/);
  });

  it('fails in one line for a URL that is not http(s), unreachable, or not a registry', async () => {
    const plainService = `${registry.base}/live`;
    for (const url of ['registry:8080', 'http://127.0.0.1:1', plainService]) {
      const error = await failure({ BULWARK_CONFIG_REGISTRY_URL: url });
      expect(error.code, url).toBe('CONFIG_TRANSPORT_FAILED');
      expect(error.message, url).not.toContain('\n');
    }
  });
});
