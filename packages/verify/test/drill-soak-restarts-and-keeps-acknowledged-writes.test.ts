import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort } from '@bulwark/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultRegistry } from '../src/checks/builtin.js';
import { isRunning } from '../src/checks/drill/process-signals.js';
import { growthOf } from '../src/checks/drill/soak-metrics.js';
import { PlanError, parsePlan } from '../src/plan/load.js';
import type { PlanService } from '../src/plan/schema.js';
import { httpService, planWith, type Running, runCheck, startFixture } from './checks-harness.js';

const TRAFFIC = fileURLToPath(new URL('./processes/drill-traffic-service.ts', import.meta.url));
/** The plan's directory is a temporary one: tsx is named by its full path. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const work = mkdtempSync(join(tmpdir(), 'bw-soak-'));
const started: Running[] = [];
const pidFiles: string[] = [];

afterAll(async () => {
  for (const service of started) await service.stop();
  // Services the drill restarted run detached from the test: end them by their pid files.
  for (const file of pidFiles) {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (pid > 1 && isRunning(pid)) process.kill(pid, 'SIGTERM');
  }
  rmSync(work, { recursive: true, force: true });
});

const pidOf = (file: string) => Number(readFileSync(file, 'utf8').trim());

/** A traffic service under a pid file, with the control section that restarts it the same way. */
async function restartable(name: string, env: Record<string, string> = {}) {
  const port = String(await freePort());
  const pidFile = join(work, `${name}.pid`);
  pidFiles.push(pidFile);
  const all: Record<string, string> = {
    PORT: port,
    TEST_PID_FILE: pidFile,
    BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '0',
    ...env,
  };
  const running = await startFixture(TRAFFIC, all);
  started.push(running);
  const vars = Object.entries(all)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const start = `${vars} exec "${process.execPath}" --import ${TSX} "${TRAFFIC}" >> ${name}.log 2>&1`;
  const service: PlanService = httpService(running.url, {
    name,
    control: { pidFile: `${name}.pid`, start },
  });
  return { running, service, pidFile };
}

type Figures = Record<string, unknown>;
const WRITE = {
  path: '/v1/items',
  body: { id: '{id}', note: 'soak' },
  readPath: '/v1/items/{id}',
  everyMs: 100,
};

describe('drill.soak', () => {
  it('keeps every acknowledged write through SIGTERM restarts, and catches a service that loses them', async () => {
    // Both soaks run at once: each spends most of its time waiting for a restarted process.
    const [durable, lossy] = await Promise.all([
      restartable('durable', { DRILL_ITEMS_FILE: join(work, 'items.jsonl') }),
      restartable('lossy', { DRILL_LOSE_WRITES: '1' }),
    ]);
    const firstPid = pidOf(durable.pidFile);
    const soak = (service: PlanService) =>
      runCheck(
        'drill.soak',
        {
          path: '/v1/items/none',
          rate: 40,
          durationMs: 3000,
          restartEveryMs: 1500,
          restartHow: 'sigterm',
          sampleEveryMs: 200,
          warmupMs: 0,
          write: WRITE,
        },
        { service, planDir: work },
      );
    const [kept, lost] = await Promise.all([soak(durable.service), soak(lossy.service)]);

    expect(kept.status, kept.summary).toBe('pass');
    expect(kept.summary).toMatch(
      /^steady mode, 40 req\/s for 3 s: [12] restarts? \(sigterm\), ready again within \d+ ms, resident memory grew -?[\d.]+ MiB <= 128 MiB, open handles grew -?\d+ <= 50, \d+ acknowledged writes all read back$/,
    );
    const m = kept.measurements as Figures;
    expect(m).toMatchObject({ mode: 'steady', restartsFailed: 0, writesLost: 0 });
    expect(m.restarts as number).toBeGreaterThanOrEqual(1);
    expect(m.writesAcknowledged as number).toBeGreaterThan(3);
    expect(m.sent as number).toBeGreaterThan(30);
    expect(m.rssGrowthBytes).toEqual(expect.any(Number));
    expect(pidOf(durable.pidFile)).not.toBe(firstPid);
    expect(isRunning(pidOf(durable.pidFile))).toBe(true);
    const [rss, handles] = kept.samples ?? [];
    expect(rss?.unit).toBe('bytes');
    expect(rss?.values.length).toBeGreaterThan(3);
    expect(handles?.unit).toBe('count');

    expect(lost.status).toBe('fail');
    expect(lost.summary).toMatch(/: \d+ of \d+ acknowledged writes lost \(soak-[0-9a-f]{8}-1, /);
    expect((lost.measurements as Figures).writesLost as number).toBeGreaterThan(0);
  });

  it('catches memory and handle growth, and a ledger chain that stops verifying', async () => {
    const leaking = await startFixture(TRAFFIC, {
      DRILL_LEAK: '1',
      DRILL_LEDGER_BREAKS_AFTER: '2',
    });
    started.push(leaking);
    const service = httpService(leaking.url, { name: 'leaky' });
    const ledger = httpService(leaking.url, { name: 'books', kind: 'ledger' });
    const outcome = await runCheck(
      'drill.soak',
      {
        path: '/v1/work',
        rate: 100,
        durationMs: 2500,
        sampleEveryMs: 200,
        warmupMs: 300,
        ledgerEveryMs: 500,
        maxRssGrowthBytes: 8 * 1_048_576,
        maxHandleGrowth: 5,
      },
      { service, plan: planWith([service, ledger]) },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(
      /^steady mode, 100 req\/s for 2\.5 s: resident memory grew [\d.]+ MiB > 8 MiB; open handles grew \d+ > 5; ledger books failed verification 3 of \d+: chain invalid at seq 7: entry 7 hash mismatch$/,
    );
    const m = outcome.measurements as Figures;
    expect(m.rssGrowthBytes as number).toBeGreaterThan(8 * 1_048_576);
    expect(m.ledgerInvalid as number).toBeGreaterThan(0);
  });

  it('compresses a day of traffic in volume mode and says so; fails a volume it could not send', async () => {
    const healthy = await startFixture(TRAFFIC, { DRILL_SLOW_MS: '200' });
    started.push(healthy);
    const service = httpService(healthy.url);
    const ledger = httpService(healthy.url, { name: 'books', kind: 'ledger' });
    const carried = await runCheck(
      'drill.soak',
      {
        mode: 'volume',
        dailyRequests: 100,
        path: '/v1/items',
        durationMs: 2000,
        connections: 64,
        sampleEveryMs: 200,
      },
      { service, plan: planWith([service, ledger]) },
    );
    expect(carried.status, carried.summary).toBe('pass');
    expect(carried.summary).toMatch(
      /^volume mode, a day's 100 requests compressed into 2 s \(50 req\/s\): sent \d+ of the day's 100 requests, .*ledger books valid in \d+ of \d+ verifications$/,
    );
    expect(carried.measurements).toMatchObject({
      mode: 'volume',
      dailyRequests: 100,
      targetRps: 50,
    });

    // One request at a time to a path that takes 200 ms: 5 a second, not the 100 asked for.
    const behind = await runCheck(
      'drill.soak',
      {
        mode: 'volume',
        dailyRequests: 200,
        path: '/v1/slow',
        durationMs: 2000,
        connections: 1,
        sampleEveryMs: 200,
      },
      { service },
    );
    expect(behind.status).toBe('fail');
    expect(behind.summary).toMatch(
      /^volume mode, a day's 200 requests compressed into 2 s \(100 req\/s\): sent only \d+ of the day's 200 requests \([\d.]+% < 90%\) \(\d+ dropped: the service fell behind\)/,
    );
  });

  it('measures growth within each process lifetime, never across a restart', () => {
    const at = (atMs: number, rssBytes: number, startTime: number, restartsDone: number) => ({
      atMs,
      rssBytes,
      startTime,
      restartsDone,
    });
    const samples = [
      at(0, 100, 1, 0),
      at(100, 150, 1, 0),
      at(200, 190, 1, 0),
      // Restarted: memory starts over; a drop is not negative growth of the old process.
      at(300, 60, 2, 1),
      at(400, 70, 2, 1),
      // Restarted within the same second: the restart count still tells the lifetimes apart.
      at(500, 20, 2, 2),
      at(600, 22, 2, 2),
    ];
    expect(growthOf(samples, 'rssBytes', 0)).toEqual({ largest: 90, lifetimesJudged: 3 });
    // The warm-up of each lifetime is left out: 150 -> 190 and 70 alone (one sample: not judged).
    expect(growthOf(samples, 'rssBytes', 100)).toEqual({ largest: 40, lifetimesJudged: 1 });
    expect(growthOf(samples.slice(0, 1), 'rssBytes', 0)).toBeUndefined();
    expect(growthOf(samples, 'handles', 0)).toBeUndefined();
  });

  it('skips a restart schedule it has no way to carry out, and refuses a mode without its rate', async () => {
    const outcome = await runCheck(
      'drill.soak',
      { path: '/', rate: 1, durationMs: 1000, restartEveryMs: 1000 },
      { service: httpService('http://127.0.0.1:9') },
    );
    expect(outcome).toMatchObject({
      status: 'skip',
      reason: 'service svc cannot be restarted: no control section: nothing to restart it with',
    });
    const pidOnly = await runCheck(
      'drill.soak',
      { path: '/', rate: 1, durationMs: 1000, restartEveryMs: 1000 },
      { service: httpService('http://127.0.0.1:9', { control: { pidFile: 'x.pid' } }) },
    );
    expect(pidOnly.reason).toBe(
      'service svc cannot be restarted: its control section has neither restart, stop and start, nor pidFile and start: nothing to restart it with',
    );

    const plan = (soak: string) => `format: bulwark.plan/v1
name: soak plan
environments:
  dev:
    services: [{ name: api, url: "http://127.0.0.1:9" }]
criteria:
  - id: soak
    text: survives a day
    checks: [{ check: drill.soak, with: ${soak} }]
`;
    const load = (soak: string) => () => parsePlan(plan(soak), 'soak.plan.yaml', defaultRegistry());
    expect(load('{ path: /, durationMs: 1000 }')).toThrow(PlanError);
    expect(load('{ path: /, durationMs: 1000 }')).toThrow(/rate/);
    expect(load('{ path: /, mode: volume, rate: 5, durationMs: 1000 }')).toThrow(PlanError);
    expect(load('{ path: /, mode: volume, durationMs: 1000 }')).toThrow(/dailyRequests/);
    expect(load('{ path: /, mode: volume, dailyRequests: 5, durationMs: 1000 }')).not.toThrow();
    expect(load('{ path: /, rate: 5, durationMs: 1000 }')).not.toThrow();
  });

  it('interrupted in the middle of a restart, still starts the service again', async () => {
    // A drain delay keeps the service stopping for a second after SIGTERM: the abort lands then,
    // as soon as /ready says the SIGTERM arrived (not on a timer: a loaded machine is slow).
    const { service, pidFile } = await restartable('interrupted', {
      BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '1000',
    });
    const firstPid = pidOf(pidFile);
    const abort = new AbortController();
    const watching = (async () => {
      while (!abort.signal.aborted) {
        const ready = await fetch(`${service.url}/ready`).catch(() => undefined);
        if (ready && ready.status !== 200) abort.abort();
        await sleep(20);
      }
    })();
    const outcome = await runCheck(
      'drill.soak',
      {
        path: '/v1/items',
        rate: 10,
        durationMs: 30_000,
        restartEveryMs: 1000,
        restartHow: 'sigterm',
      },
      { service, planDir: work, signal: abort.signal },
    );
    abort.abort();
    await watching;
    expect(outcome.status).toBe('skip');
    expect(outcome.reason).toMatch(/aborted/);
    expect(isRunning(firstPid)).toBe(false);
    const restartedPid = pidOf(pidFile);
    expect(restartedPid).not.toBe(firstPid);
    expect(isRunning(restartedPid)).toBe(true);
    expect((await fetch(`${service.url}/ready`)).status).toBe(200);
  });
});
