import { join } from 'node:path';
import { freePort, type SpawnedProcess, spawnTs } from '@bulwark/testkit';
import autocannon from 'autocannon';
import { Client, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';

const entry = join(import.meta.dirname, 'processes', 'test-service.ts');
let proc: SpawnedProcess | undefined;

afterEach(() => {
  proc?.kill('SIGKILL');
  proc = undefined;
});

async function startService(env: Record<string, string>) {
  const port = await freePort();
  proc = spawnTs(entry, { PORT: String(port), ...env });
  await proc.waitForLine((line) => line.includes('ready on http'));
  return { port, proc };
}

function records(lines: string[]) {
  return lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

describe('phased shutdown of a real process', () => {
  it('drains load without failing accepted requests, flips /ready at once and exits 0', async () => {
    const deadlineMs = 15_000;
    const drainDelayMs = 700;
    const { port, proc } = await startService({
      BULWARK_SHUTDOWN_DRAIN_DELAY_MS: String(drainDelayMs),
      BULWARK_SHUTDOWN_DEADLINE_MS: String(deadlineMs),
    });
    const base = `http://127.0.0.1:${port}`;

    const errors: Array<{ code: string; at: number }> = [];
    const statuses = new Map<number, number>();
    // Called without a callback, autocannon returns an instance that is also a promise.
    const load = autocannon({
      url: `${base}/v1/slow?ms=20`,
      connections: 16,
      duration: 4,
    }) as unknown as autocannon.Instance & Promise<autocannon.Result>;
    load.on('response', (_client, statusCode) => {
      statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
    });
    load.on('reqError', (error: NodeJS.ErrnoException) => {
      errors.push({ code: error.code ?? error.message, at: performance.now() });
    });

    // A prober on fresh connections, as a kubelet would probe.
    let signalAt = 0;
    let firstNotReadyAt = 0;
    let stopPolling = false;
    const poller = (async () => {
      while (!stopPolling) {
        try {
          const response = await request(`${base}/ready`, { reset: true });
          await response.body.dump();
          if (signalAt > 0 && response.statusCode === 503 && firstNotReadyAt === 0) {
            firstNotReadyAt = performance.now();
          }
        } catch {
          // Refused once the listener is closed.
        }
      }
    })();

    await new Promise((resolve) => setTimeout(resolve, 1_500));
    signalAt = performance.now();
    proc.kill('SIGTERM');
    const code = await proc.exited;
    const exitedAfterMs = performance.now() - signalAt;
    stopPolling = true;
    await poller;
    const result = await load;

    expect(code).toBe(0);
    expect(exitedAfterMs).toBeLessThan(deadlineMs);
    expect(firstNotReadyAt).toBeGreaterThan(0);
    // "At once" means before the drain delay is over, not after it: a flip that waited for the
    // phases would never be seen (the listener closes when the delay ends). Timing it closer
    // than that measures the machine's load, not the kit.
    expect(firstNotReadyAt - signalAt).toBeLessThan(drainDelayMs);

    // Every response the load generator got was a success…
    const successes = statuses.get(200) ?? 0;
    expect(successes).toBeGreaterThan(100);
    expect([...statuses.keys()]).toEqual([200]);
    expect(result.timeouts).toBe(0);
    // Every request the server accepted was answered, and every answer reached the client: the
    // server completed exactly as many responses as the client received, and cut none short.
    const all = records(proc.lines);
    const served = all.filter((r) => r.msg === 'request completed' && r.route === '/v1/slow');
    expect(served.every((r) => r.status === 200)).toBe(true);
    expect(served.length).toBe(successes);
    expect(all.filter((r) => r.msg === 'connection closed before the response was sent')).toEqual(
      [],
    );
    // So the client's errors are requests the server never accepted: sent after the signal on
    // a connection the closing listener refused or dropped before reading a byte.
    expect(errors.filter((e) => e.at < signalAt)).toEqual([]);
    expect(errors.filter((e) => !['ECONNREFUSED', 'ECONNRESET'].includes(e.code))).toEqual([]);

    const phases = records(proc.lines)
      .filter((r) => typeof r.phase === 'string')
      .map((r) => r.phase);
    expect(phases).toEqual([
      'drain-delay',
      'stop-accepting',
      'drain-requests',
      'abort-tasks',
      'close-resources',
    ]);
  });

  it('does not let an idle keep-alive client hold the process open', async () => {
    const { port, proc } = await startService({
      BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '0',
      BULWARK_SHUTDOWN_DEADLINE_MS: '20000',
    });
    const client = new Client(`http://127.0.0.1:${port}`, { keepAliveTimeout: 60_000 });
    const response = await client.request({ path: '/live', method: 'GET' });
    expect(response.statusCode).toBe(200);
    expect(response.headers.connection).toBe('keep-alive');
    await response.body.dump();

    const started = performance.now();
    proc.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    // Far below the 20 s deadline: the idle socket was closed, not waited for.
    expect(performance.now() - started).toBeLessThan(5_000);
    await client.close().catch(() => undefined);
  });

  it('forces a non-zero exit when a task outlives the deadline', async () => {
    const { proc } = await startService({
      TEST_STUBBORN_TASK: '1',
      BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '0',
      BULWARK_SHUTDOWN_DEADLINE_MS: '800',
    });
    const started = performance.now();
    proc.kill('SIGTERM');
    expect(await proc.exited).toBe(1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(700);
    expect(proc.lines.some((line) => line.includes('shutdown deadline exceeded'))).toBe(true);
  });

  it('runs the same sequence after an uncaught exception and exits non-zero', async () => {
    const { port, proc } = await startService({
      BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '0',
      TEST_CANARY_TOKEN: 'canary-crash-token-8d1f',
    });
    const response = await request(`http://127.0.0.1:${port}/v1/crash`);
    expect(response.statusCode).toBe(200);
    await response.body.dump();
    expect(await proc.exited).toBe(1);
    const all = records(proc.lines);
    const fatal = all.find((r) => r.msg === 'uncaught exception; shutting down');
    expect(fatal).toBeDefined();
    expect(all.some((r) => r.phase === 'close-resources')).toBe(true);
    expect(proc.lines.join('\n')).not.toContain('canary-crash-token-8d1f');
  });
});
