import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from '@bulwark/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { isRunning } from '../src/checks/drill/process-signals.js';
import { httpService, type Running, runCheck, startFixture } from './checks-harness.js';

const SERVICE = fileURLToPath(new URL('./processes/drill-kill-service.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

const work = mkdtempSync(join(tmpdir(), 'bw-drill-kill-'));
const started: number[] = [];
afterAll(() => {
  for (const pid of started) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

const pidOf = (file: string) =>
  existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : undefined;

interface Store {
  readonly service: Running;
  readonly pid: number;
  readonly pidFile: string;
  /** The plan's control.start: the same service again, on the same port. */
  readonly start: string;
}

async function startStore(): Promise<Store> {
  const port = await freePort();
  const env = {
    PORT: String(port),
    TEST_PID_FILE: join(work, `store-${port}.pid`),
    TEST_ITEMS_FILE: join(work, `store-${port}.items`),
  };
  const service = await startFixture(SERVICE, env);
  const pid = pidOf(env.TEST_PID_FILE)!;
  started.push(pid);
  const assignments = Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const start = `${assignments} BULWARK_SHUTDOWN_DRAIN_DELAY_MS=0 exec "${process.execPath}" --import ${TSX} "${SERVICE}" > store-${port}-restarted.log 2>&1`;
  return { service, pid, pidFile: env.TEST_PID_FILE, start };
}

// Each test starts real processes and restarts one: slow on a busy 2-core machine.
describe('drill.kill: recovery, restart hints and interruption', { timeout: 180_000 }, () => {
  it('fails when nothing brings the service back in time, and when it lost more requests than allowed', async () => {
    const { service, pid, pidFile } = await startStore();
    const outcome = await runCheck(
      'drill.kill',
      { readyWithinMs: 300, maxLostRequests: 0, restartedBy: 'supervisor' },
      { service: httpService(service.url, { control: { pidFile } }) },
    );
    expect(await service.process.exited).toBe('SIGKILL');
    expect(isRunning(pid)).toBe(false);
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(
      /^not ready again 600 ms after SIGKILL \(limit 300 ms; restarted by its supervisor\); [1-9]\d* of \d+ requests on \/live lost meanwhile \(limit 0\)$/,
    );
    expect(outcome.measurements?.readyMs).toBeUndefined();
  });

  it('runs control.restart when the plan gives one, and fails at once naming it when it fails', async () => {
    const { service, pidFile } = await startStore();
    const outcome = await runCheck(
      'drill.kill',
      {},
      { service: httpService(service.url, { control: { pidFile, restart: 'exit 3' } }) },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(
      /^control\.restart exited with code 3; not ready again; \d+ of \d+ requests on \/live lost meanwhile$/,
    );
    expect(outcome.measurements).toMatchObject({ restartedBy: 'control.restart' });
  });

  it('skips, killing nothing, without a pid file or without the restart command it was told to use', async () => {
    const { service, pid, pidFile } = await startStore();
    const bare = await runCheck('drill.kill', {}, { service: httpService(service.url) });
    expect(bare).toMatchObject({
      status: 'skip',
      reason: 'service svc has no control section: nothing to kill',
    });
    const stopOnly = await runCheck(
      'drill.kill',
      {},
      { service: httpService(service.url, { control: { stop: 'true' } }) },
    );
    expect(stopOnly.reason).toMatch(/^service svc has no control\.pidFile: drill\.kill signals/);
    const noStart = await runCheck(
      'drill.kill',
      { restartedBy: 'control.start' },
      { service: httpService(service.url, { control: { pidFile } }) },
    );
    expect(noStart.reason).toBe(
      'restartedBy is control.start, but service svc has no control.start',
    );
    expect(isRunning(pid)).toBe(true);
    await service.stop();
  });

  it('interrupted after the kill, it still starts the service again on its way out', async () => {
    const { service, pid, pidFile, start } = await startStore();
    const interrupt = new AbortController();
    // Ctrl-C the moment the process is gone, before the drill's own restart could finish.
    const watcher = (async () => {
      while (isRunning(pid)) await sleep(5);
      interrupt.abort();
    })();
    const outcome = await runCheck(
      'drill.kill',
      { readyWithinMs: 30_000 },
      {
        service: httpService(service.url, { control: { pidFile, start } }),
        planDir: work,
        signal: interrupt.signal,
      },
    );
    await watcher;
    expect(await service.process.exited).toBe('SIGKILL');
    expect(outcome).toMatchObject({ status: 'skip' });
    expect(outcome.reason).toMatch(/^aborted/);
    // Brought back either way: by the drill's restart, or by its cleanup.
    let back: number | undefined;
    for (let i = 0; i < 300 && back === undefined; i++) {
      const now = pidOf(pidFile);
      const ready = await fetch(`${service.url}/ready`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (now !== undefined && now !== pid && ready) back = now;
      else await sleep(100);
    }
    expect(back).toBeGreaterThan(0);
    started.push(back!);
  });
});
