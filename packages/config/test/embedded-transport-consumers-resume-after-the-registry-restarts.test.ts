import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Database, openDatabase } from '@bulwark/db';
import { afterEach, expect, it } from 'vitest';
import {
  type ApplyMessage,
  ConfigRegistryError,
  EmbeddedConfigTransport,
  HttpConfigTransport,
} from '../src/index.js';
import {
  ack,
  applyMessage,
  Received,
  uniqueConfig,
  withoutRepeats,
} from './fixtures/config-messages.js';
import { type EmbeddedRegistry, startEmbeddedRegistry } from './fixtures/embedded-registry.js';

/**
 * An embedded registry restarts (its kit service drains and stops, its PGlite directory is
 * closed and opened again, the service binds the same port): a consumer's apply stream, ended
 * by the drain, reconnects with the seq it last handled and receives the messages published
 * while it was away, and the new ones, none missed. Acks fail fast while the registry is down
 * and go through again once it is back.
 */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function openDirectory(dir: string): Promise<Database> {
  const db = await openDatabase({ url: dir, name: 'config-registry-test' });
  cleanups.push(() => db.close());
  return db;
}

async function start(db: Database, options: Parameters<typeof startEmbeddedRegistry>[1] = {}) {
  const registry = await startEmbeddedRegistry(db, { heartbeatMs: 500, ...options });
  cleanups.push(() => registry.close());
  return registry;
}

it('resumes after the last seq it handled when the registry comes back on the same port and data', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'embedded-registry-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const config = uniqueConfig();

  const firstDb = await openDirectory(dir);
  const first: EmbeddedRegistry = await start(firstDb);
  const firstSide = new EmbeddedConfigTransport(first.log);
  const errors: string[] = [];
  const consumer = await HttpConfigTransport.connect({
    url: first.base,
    reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    idleTimeoutMs: 5_000,
    requestTimeoutMs: 2_000,
    onError: (_error, context) => errors.push(context),
  });
  cleanups.push(() => consumer.close());
  const received = new Received<ApplyMessage>();
  await consumer.onApply(config, received.push);
  await firstSide.publishApply(applyMessage(config, 1));
  await firstSide.publishApply(applyMessage(config, 2));
  await received.until((items) => items.some((m) => m.version.version === 2));
  expect(first.routes.openStreams).toBe(1);

  // The registry stops: its drain ends the open stream (or the shutdown would never finish).
  await firstSide.close();
  await first.close();
  await firstDb.close();
  const whileDown = await consumer.sendAck(ack(config, 'i-1', 2)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(whileDown).toBeInstanceOf(ConfigRegistryError);
  expect((whileDown as ConfigRegistryError).code).toBe('CONFIG_TRANSPORT_FAILED');

  // Same directory, same port. Versions 3 and 4 are in the log before any consumer can connect:
  // a consumer that came back as a new subscriber would get only 4.
  const secondDb = await openDirectory(dir);
  const second = await start(secondDb, {
    port: first.port,
    beforeListen: async (log) => {
      const side = new EmbeddedConfigTransport(log);
      await side.publishApply(applyMessage(config, 3));
      await side.publishApply(applyMessage(config, 4));
      await side.close();
    },
  });
  const secondSide = new EmbeddedConfigTransport(second.log);
  cleanups.push(() => secondSide.close());
  await received.until((items) => items.some((m) => m.version.version === 4));
  await secondSide.publishApply(applyMessage(config, 5));
  await received.until((items) => items.some((m) => m.version.version === 5));
  expect(withoutRepeats(received.items.map((m) => m.version.version))).toEqual([1, 2, 3, 4, 5]);
  expect(errors.filter((context) => context.includes('apply stream lost'))).toHaveLength(1);

  // Acks reach the registry that came back.
  const acks = new Received<number>();
  await secondSide.onAck((a) => {
    if (a.config === config) acks.push(a.version);
  });
  await consumer.sendAck(ack(config, 'i-1', 5));
  await acks.until((items) => items.includes(5));
  expect(acks.items).toEqual([5]);
});

it('starts a consumer over with the latest message when its seq is past the end of a new log', async () => {
  const config = uniqueConfig();
  const firstDb = await openDatabase({ url: 'memory://', name: 'config-registry-test' });
  cleanups.push(() => firstDb.close());
  const first = await start(firstDb);
  const firstSide = new EmbeddedConfigTransport(first.log);
  cleanups.push(() => firstSide.close());
  const consumer = await HttpConfigTransport.connect({
    url: first.base,
    reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    onError: () => {},
  });
  cleanups.push(() => consumer.close());
  const received = new Received<number>();
  await consumer.onApply(config, (m) => received.push(m.version.version));
  for (let v = 1; v <= 5; v++) await firstSide.publishApply(applyMessage(config, v));
  await received.until((items) => items.includes(5));
  await firstSide.close();
  await first.close();

  // A registry whose database was replaced: its seqs start again, below the consumer's.
  const secondDb = await openDatabase({ url: 'memory://', name: 'config-registry-test' });
  cleanups.push(() => secondDb.close());
  const second = await start(secondDb, {
    port: first.port,
    beforeListen: async (log) => {
      const side = new EmbeddedConfigTransport(log);
      await side.publishApply(applyMessage(config, 7));
      await side.close();
    },
  });
  const secondSide = new EmbeddedConfigTransport(second.log);
  cleanups.push(() => secondSide.close());
  await received.until((items) => items.includes(7));
  await secondSide.publishApply(applyMessage(config, 8));
  await received.until((items) => items.includes(8));
  expect(withoutRepeats(received.items)).toEqual([1, 2, 3, 4, 5, 7, 8]);
});

it('takes a stream silent past its idle timeout as lost, opens it again and misses nothing', async () => {
  const config = uniqueConfig();
  const db = await openDatabase({ url: 'memory://', name: 'config-registry-test' });
  cleanups.push(() => db.close());
  // No heartbeat within the client's idle timeout: as a registry whose host vanished (no FIN).
  const registry = await start(db, { heartbeatMs: 60_000 });
  const side = new EmbeddedConfigTransport(registry.log);
  cleanups.push(() => side.close());
  const lost = new Received<string>();
  const consumer = await HttpConfigTransport.connect({
    url: registry.base,
    idleTimeoutMs: 300,
    reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    onError: (_error, context) => lost.push(context),
  });
  cleanups.push(() => consumer.close());
  const received = new Received<number>();
  await consumer.onApply(config, (m) => received.push(m.version.version));
  await lost.until((items) => items.some((context) => context.includes('apply stream lost')));
  for (let v = 1; v <= 3; v++) await side.publishApply(applyMessage(config, v));
  await received.until((items) => items.includes(3));
  expect(withoutRepeats(received.items)).toEqual([1, 2, 3]);
});
