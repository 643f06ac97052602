import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type ConfigTransport, PostgresConfigTransport } from '../src/index.js';
import { applyMessage } from './fixtures/config-messages.js';
import { type Harness, startHarness } from './fixtures/consumer-harness.js';
import { freshPostgresDatabase, sharedPostgres } from './fixtures/transport-servers.js';

/**
 * A version that changes an `x-restart` key (notifications' /delivery/workers) is not applied
 * live: the consumer acks `restarting` and calls restart(). A process that starts finds the
 * latest version waiting and takes it whole, restart keys included: that is how the restarted
 * instance comes up on the new version. Over PostgreSQL LISTEN/NOTIFY.
 */
let database: Awaited<ReturnType<typeof freshPostgresDatabase>> | undefined;
afterAll(() => database?.remove());

const opened: ConfigTransport[] = [];
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

async function start(before?: (config: string, registry: ConfigTransport) => Promise<void>) {
  database ??= await freshPostgresDatabase();
  const url = database.url;
  const open = async () => {
    const transport = await PostgresConfigTransport.connect({ url });
    opened.push(transport);
    return transport;
  };
  const registrySide = await open();
  harness = await startHarness({
    consumerSide: await open(),
    registrySide,
    ...(before === undefined ? {} : { before: (config: string) => before(config, registrySide) }),
  });
  return { h: harness, registry: registrySide };
}

describe.skipIf(!sharedPostgres.available)('ConfigConsumer and restart keys', () => {
  it('acks restarting and calls restart() instead of applying a restart-key change live', async () => {
    const { h, registry } = await start();
    await registry.publishApply(
      applyMessage(h.config, 1, { document: { janitor: { enabled: false } } }),
    );
    await h.acks.until((items) => items.length >= 1);
    await registry.publishApply(
      applyMessage(h.config, 2, { document: { delivery: { workers: 8 } } }),
    );
    const acks = await h.acks.until((items) => items.length >= 2);
    expect(acks[1]).toMatchObject({ version: 2, result: 'restarting' });
    expect(acks[1]?.reason).toContain('/delivery/workers');
    await expect.poll(() => h.restarts).toEqual([2]);
    expect(h.applied.map((a) => a.version)).toEqual([1]);
    expect(h.consumer.current().version).toBe(1);
    expect(h.consumer.health()).toMatchObject({ state: 'restarting', restartingTo: 2, version: 1 });
    // A live change that needs no restart, sent meanwhile, waits for the restarted process.
    await registry.publishApply(
      applyMessage(h.config, 3, { document: { delivery: { workers: 8, maxAttempts: 9 } } }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.applied.map((a) => a.version)).toEqual([1]);
  });

  it('takes the latest version whole when it starts, restart keys included, and acks it applied', async () => {
    const { h } = await start(async (config, registry) => {
      await registry.publishApply(applyMessage(config, 1, { document: {} }));
      await registry.publishApply(
        applyMessage(config, 2, { document: { delivery: { workers: 12 } } }),
      );
    });
    expect(h.consumer.current().version).toBe(2);
    expect(h.consumer.current().value).toMatchObject({ delivery: { workers: 12 } });
    expect(h.restarts).toEqual([]);
    const acks = await h.acks.until((items) => items.length >= 1);
    expect(acks.map((a) => [a.version, a.result])).toEqual([[2, 'applied']]);
    await h.presences.until((items) => items.some((p) => p.version === 2));
  });
});
