import { type PrivateServer, privatePostgresPart, startPrivatePostgres } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SpawnedCoreApi, send, spawnCoreApi } from './fixtures/spawned-core-api.js';
import { expectAllAcknowledged, writeUntilKilled } from './fixtures/write-until-killed.js';

// Under BULWARK_REQUIRE_SYSTEM=1 a missing PostgreSQL throws here: a failure, not a skip.
const postgresServer = privatePostgresPart();
let postgres: PrivateServer | undefined;
const started: SpawnedCoreApi[] = [];

async function start(): Promise<SpawnedCoreApi> {
  const api = await spawnCoreApi({ DATABASE_URL: postgres!.url });
  started.push(api);
  return api;
}

describe.skipIf(!postgresServer.available)('core-api on PostgreSQL', () => {
  beforeAll(async () => {
    postgres = await startPrivatePostgres();
  }, 120_000);
  afterAll(async () => {
    for (const api of started) api.proc.kill('SIGKILL');
    await Promise.all(started.map((api) => api.proc.exited));
    await postgres?.remove();
  });

  it('loses no acknowledged item when killed -9 during writes, nor across a clean restart', async () => {
    const first = await start();
    const acked = await writeUntilKilled(first, {
      writers: 6,
      killAfterAcks: 120,
      signal: 'SIGKILL',
    });
    expect(acked.size).toBeGreaterThan(20);
    const second = await start();
    await expectAllAcknowledged(second, acked);
    // The same after a clean stop (SIGTERM): drained, then closed.
    const more = await writeUntilKilled(second, {
      writers: 3,
      killAfterAcks: 30,
      signal: 'SIGTERM',
    });
    expect(await second.proc.exited).toBe(0);
    const third = await start();
    await expectAllAcknowledged(third, new Map([...acked, ...more]));
  });

  it('answers 503 and is not ready while PostgreSQL is down, and recovers once it is back', async () => {
    const api = started.at(-1)!;
    const created = await send(`${api.base}/v1/items`, 'POST', { name: 'kept', quantity: 1 });
    await postgres!.stop();
    await expect
      .poll(async () => (await send(`${api.base}/ready`)).body?.failing, { timeout: 10_000 })
      .toEqual(['database']);
    // Retry later, not a bug: 503 with the kit's problem code, for reads and writes alike.
    for (const answer of [
      await send(`${api.base}/v1/items`),
      await send(`${api.base}/v1/items`, 'POST', { name: 'lost', quantity: 1 }),
    ])
      expect(answer).toMatchObject({ status: 503, body: { code: 'BW_DEPENDENCY_UNAVAILABLE' } });
    await postgres!.start();
    await expect
      .poll(async () => (await send(`${api.base}/ready`)).status, { timeout: 10_000 })
      .toBe(200);
    expect((await send(`${api.base}/v1/items/${created.body.id}`)).body).toEqual(created.body);
  });
});
