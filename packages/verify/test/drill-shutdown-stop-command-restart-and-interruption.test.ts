import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from '@bulwark/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { isRunning } from '../src/checks/drill/process-signals.js';
import { httpService, runCheck, startFixture } from './checks-harness.js';

const SERVICE = fileURLToPath(new URL('./processes/drill-shutdown-service.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

const work = mkdtempSync(join(tmpdir(), 'bw-drill-shutdown-'));
const started: number[] = [];
afterAll(() => {
  for (const pid of started) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

const pidOf = (file: string) =>
  existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : undefined;

async function kitService(drainMs: number) {
  const port = await freePort();
  const pidFile = join(work, `kit-${port}.pid`);
  const drain = String(drainMs);
  const service = await startFixture(SERVICE, {
    PORT: String(port),
    TEST_PID_FILE: pidFile,
    BULWARK_SHUTDOWN_DRAIN_DELAY_MS: drain,
  });
  const pid = pidOf(pidFile)!;
  started.push(pid);
  const start = `PORT=${port} TEST_PID_FILE=${pidFile} BULWARK_SHUTDOWN_DRAIN_DELAY_MS=${drain} exec "${process.execPath}" --import ${TSX} "${SERVICE}" > kit-${port}-restarted.log 2>&1`;
  return { service, pid, pidFile, start };
}

// Each test starts real processes and restarts one: slow on a busy 2-core machine.
describe('drill.shutdown: control.stop, restart by a supervisor, interruption', {
  timeout: 180_000,
}, () => {
  it('stops the service through control.stop and times the command', async () => {
    const { service, pid, pidFile } = await kitService(200);
    // What `docker compose stop` does: SIGTERM, then return once the process is gone.
    const stop = `pid=$(cat ${pidFile}); kill -TERM "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.02; done`;
    const outcome = await runCheck(
      'drill.shutdown',
      { maxMs: 15_000 },
      { service: httpService(service.url, { control: { stop } }) },
    );
    expect(await service.process.exited).toBe(0);
    expect(isRunning(pid)).toBe(false);
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.summary).toMatch(
      /^\/ready 503 after [\d.]+ ms \(limit 1000 ms\); 0 of \d+ requests on \/live failed after being accepted \(limit 0\); \d+ in flight at control\.stop.*; control\.stop finished [\d.]+ ms after it was run \(limit 15000 ms\); not restarted \(no control\.start\)$/,
    );
    expect(outcome.measurements).toMatchObject({ fault: 'control.stop' });
    expect(outcome.measurements?.pid).toBeUndefined();
  });

  it('fails when the supervisor it was told to wait for does not bring the service back', async () => {
    const { service, pidFile } = await kitService(100);
    const outcome = await runCheck(
      'drill.shutdown',
      { maxMs: 15_000, restartedBy: 'supervisor', restartReadyWithinMs: 300 },
      { service: httpService(service.url, { control: { pidFile } }) },
    );
    expect(await service.process.exited).toBe(0);
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(/^not ready again within 300 ms of the exit \(supervisor\); /);
  });

  it('skips without the control.start it was told to use, signalling nothing', async () => {
    const { service, pid, pidFile } = await kitService(0);
    const outcome = await runCheck(
      'drill.shutdown',
      { maxMs: 15_000, restartedBy: 'control.start' },
      { service: httpService(service.url, { control: { pidFile } }) },
    );
    expect(outcome).toMatchObject({
      status: 'skip',
      reason: 'restartedBy is control.start, but service svc has no control.start',
    });
    expect(isRunning(pid)).toBe(true);
    await service.stop();
  });

  it('interrupted while the service drains, it leaves it to finish and starts it again on its way out', async () => {
    const { service, pid, pidFile, start } = await kitService(1_500);
    const interrupt = new AbortController();
    // Ctrl-C once /ready has turned 503: SIGTERM was sent and the service is draining.
    const watcher = (async () => {
      for (;;) {
        const status = await fetch(`${service.url}/ready`).then(
          (r) => r.status,
          () => 0,
        );
        if (status === 503) break;
        await sleep(10);
      }
      interrupt.abort();
    })();
    const outcome = await runCheck(
      'drill.shutdown',
      { maxMs: 15_000 },
      {
        service: httpService(service.url, { control: { pidFile, start } }),
        planDir: work,
        signal: interrupt.signal,
      },
    );
    await watcher;
    expect(outcome.status).toBe('skip');
    expect(outcome.reason).toMatch(/^aborted/);
    // The drill never escalates: the service finished its own shutdown.
    expect(await service.process.exited).toBe(0);
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
