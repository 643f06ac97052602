import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { httpHealthCheck } from '../src/index.js';
import { CONFIG, type EngineHarness, engineHarness } from './fixtures/engine-harness.js';

/**
 * The same engine on the system clock, reading health from real HTTP endpoints: the timers,
 * the bake's polling and httpHealthCheck, without a manual clock in between.
 */
let h: EngineHarness | undefined;
const servers: Server[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A health endpoint that answers `status()` each time. */
async function healthEndpoint(status: () => number): Promise<string> {
  const server = createServer((_request, response) => {
    response.writeHead(status(), { 'content-type': 'application/json' }).end('{}');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
}

it('promotes through every stage on real timers', async () => {
  const urls = {
    'i-1': await healthEndpoint(() => 200),
    'i-2': await healthEndpoint(() => 200),
  };
  h = await engineHarness({
    instances: 2,
    clock: 'system',
    health: httpHealthCheck({ timeoutMs: 1_000 }),
    healthUrls: urls,
    defaults: { bakeMs: 300, ackTimeoutMs: 5_000, healthIntervalMs: 50 },
  });
  await h.publish({ janitor: { enabled: false } });
  const started = Date.now();
  const rollout = await h.engine.startRollout({ config: CONFIG, version: 1, startedBy: 'ops' });
  const done = await h.until(rollout.id, (s) => s.state === 'completed');
  // Two bakes of 300 ms each were waited for, not skipped (a generous upper bound for slow CI).
  expect(Date.now() - started).toBeGreaterThanOrEqual(600);
  expect(Date.now() - started).toBeLessThan(30_000);
  expect(done.instances.map((i) => i.health?.detail)).toEqual(['HTTP 200', 'HTTP 200']);
});

it('reverts on real timers when a health endpoint answers 503 during the bake', async () => {
  let i2 = 200;
  const urls = {
    'i-1': await healthEndpoint(() => 200),
    'i-2': await healthEndpoint(() => i2),
  };
  h = await engineHarness({
    instances: 2,
    clock: 'system',
    health: httpHealthCheck({ timeoutMs: 1_000 }),
    healthUrls: urls,
    defaults: { bakeMs: 60_000, ackTimeoutMs: 5_000, healthIntervalMs: 50 },
  });
  await h.publish({ janitor: { enabled: false } });
  const rollout = await h.engine.startRollout({
    config: CONFIG,
    version: 1,
    startedBy: 'ops',
    stages: [{ share: 1 }],
  });
  await h.until(rollout.id, (s) => s.phase === 'bake');
  i2 = 503;
  const reverted = await h.until(rollout.id, (s) => s.state === 'reverted');
  expect(reverted.cause).toBe('i-2 health regressed during the bake of stage 1: HTTP 503');
  expect(h.instances.map((i) => i.version)).toEqual([0, 0]);
});

it('calls an endpoint that does not answer red, by its timeout', async () => {
  const check = httpHealthCheck({ timeoutMs: 100 });
  const server = createServer(() => undefined);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  expect(await check(`http://127.0.0.1:${port}/health`)).toEqual({
    green: false,
    detail: 'no answer within 100 ms',
  });
  server.closeAllConnections();
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const gone = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  expect(await check(`http://127.0.0.1:${gone}/health`)).toEqual({
    green: false,
    detail: 'connection refused',
  });
});
