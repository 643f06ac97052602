import { type PrivateServer, privatePostgresPart, startPrivatePostgres } from '@bulwark/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Ack,
  type ApplyMessage,
  ConfigRegistryError,
  PostgresConfigTransport,
} from '../src/index.js';
import {
  ack,
  applyMessage,
  Received,
  uniqueConfig,
  withoutRepeats,
} from './fixtures/config-messages.js';

/**
 * A private PostgreSQL under a running consumer and registry. Its LISTEN connections are killed
 * while messages are published (they are read from the table after the reconnect: nothing is
 * missed), then the whole server is stopped (publishing fails with CONFIG_TRANSPORT_FAILED) and
 * started again: the listeners reconnect with backoff and receive what is sent next.
 */
const part = privatePostgresPart();
let server: PrivateServer | undefined;
beforeAll(async () => {
  if (part.available) server = await startPrivatePostgres();
});
afterAll(() => server?.remove());

describe.skipIf(!part.available)('PostgresConfigTransport across lost connections', () => {
  it('catches up on messages sent while its LISTEN connection was gone', async () => {
    const url = server?.url ?? '';
    const open = () =>
      PostgresConfigTransport.connect({
        url,
        retryDelayMs: 100,
        reconnect: { initialDelayMs: 200, maxDelayMs: 1_000 },
        onError: () => {},
      });
    const config = uniqueConfig();
    const consumer = await open();
    const registry = await open();
    try {
      const applies = new Received<ApplyMessage>();
      const acks = new Received<Ack>();
      await consumer.onApply(config, applies.push);
      await registry.onAck(acks.push);
      await registry.publishApply(applyMessage(config, 1));
      await applies.until((items) => items.length >= 1);

      expect(await terminateListeners(url)).toBe(2);
      // Sent before the listeners are back: no notification reaches them.
      await registry.publishApply(applyMessage(config, 2));
      await registry.publishApply(applyMessage(config, 3));
      await consumer.sendAck(ack(config, 'i-1', 3));
      await applies.until((items) => items.some((m) => m.version.version === 3));
      await acks.until((items) => items.some((a) => a.version === 3));
      expect(withoutRepeats(applies.items.map((m) => m.version.version))).toEqual([1, 2, 3]);
    } finally {
      await consumer.close();
      await registry.close();
    }
  });

  it('fails publishing while the server is down, and delivers later messages once it is back', async () => {
    const url = server?.url ?? '';
    const open = () =>
      PostgresConfigTransport.connect({
        url,
        connectTimeoutMs: 1_000,
        retryDelayMs: 100,
        reconnect: { initialDelayMs: 100, maxDelayMs: 1_000 },
        onError: () => {},
      });
    const config = uniqueConfig();
    const consumer = await open();
    const registry = await open();
    try {
      const applies = new Received<ApplyMessage>();
      const acks = new Received<Ack>();
      await consumer.onApply(config, applies.push);
      await registry.onAck(acks.push);
      await registry.publishApply(applyMessage(config, 1));
      await applies.until((items) => items.length >= 1);

      await server?.stop();
      const failure = await registry.publishApply(applyMessage(config, 2)).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(ConfigRegistryError);
      expect((failure as ConfigRegistryError).code).toBe('CONFIG_TRANSPORT_FAILED');
      const ackFailure = await consumer.sendAck(ack(config, 'i-1', 2)).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect((ackFailure as ConfigRegistryError).code).toBe('CONFIG_TRANSPORT_FAILED');

      await server?.start();
      await registry.publishApply(applyMessage(config, 3));
      await consumer.sendAck(ack(config, 'i-1', 3));
      await applies.until((items) => items.some((m) => m.version.version === 3), 30_000);
      await acks.until((items) => items.some((a) => a.version === 3), 30_000);
      // Version 2 never reached the server: its publish failed, and nothing delivers it.
      expect(withoutRepeats(applies.items.map((m) => m.version.version))).toEqual([1, 3]);
      expect(acks.items.map((a) => a.version)).toEqual([3]);
    } finally {
      await consumer.close();
      await registry.close();
    }
  });
});

/** Ends every LISTENing backend of the server; returns how many there were. */
async function terminateListeners(url: string): Promise<number> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ ended: boolean }>(
      `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
       WHERE query LIKE 'LISTEN %' AND pid <> pg_backend_pid()`,
    );
    return rows.filter((row) => row.ended).length;
  } finally {
    await admin.end();
  }
}
