import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigRegistryError, configTransportFromEnv } from '../src/index.js';
import {
  freshNatsNamespace,
  freshPostgresDatabase,
  SHARED_NATS_URL,
  sharedNats,
  sharedPostgres,
} from './fixtures/transport-servers.js';

/**
 * configTransportFromEnv: NATS JetStream when NATS_URL is set (even with a postgres URL too),
 * LISTEN/NOTIFY on CONFIG_TRANSPORT_URL otherwise, and one line naming both variables when
 * neither is there or the URL is not postgres://.
 */
const nats = freshNatsNamespace();
let postgres: Awaited<ReturnType<typeof freshPostgresDatabase>> | undefined;
beforeAll(async () => {
  if (sharedPostgres.available) postgres = await freshPostgresDatabase();
});
afterAll(async () => {
  if (sharedNats.available) await nats.remove();
  await postgres?.remove();
});

describe('configTransportFromEnv', () => {
  it.skipIf(!sharedNats.available || !sharedPostgres.available)(
    'takes NATS when NATS_URL is set, PostgreSQL otherwise',
    async () => {
      const viaNats = await configTransportFromEnv({
        NATS_URL: SHARED_NATS_URL,
        BULWARK_CONFIG_NATS_NAMESPACE: nats.namespace,
        CONFIG_TRANSPORT_URL: postgres?.url ?? '',
      });
      const viaPostgres = await configTransportFromEnv({
        CONFIG_TRANSPORT_URL: postgres?.url ?? '',
      });
      try {
        expect(viaNats.kind).toBe('nats');
        expect(viaPostgres.kind).toBe('postgres');
      } finally {
        await viaNats.close();
        await viaPostgres.close();
      }
    },
  );

  it('names both variables when neither is set, and refuses a URL that is not postgres://', async () => {
    for (const env of [{}, { CONFIG_TRANSPORT_URL: '/var/lib/bulwark/registry' }]) {
      const error = await configTransportFromEnv(env).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigRegistryError);
      expect((error as ConfigRegistryError).code).toBe('CONFIG_TRANSPORT_FAILED');
      expect((error as Error).message).toMatch(/NATS_URL.*CONFIG_TRANSPORT_URL/);
      expect((error as Error).message).not.toContain('\n');
    }
  });
});
