import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@bulwark/testkit';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drillDependencyCheck } from '../src/checks/drill/dependency.js';
import {
  httpService,
  KIT_SERVICE,
  type Running,
  runCheck,
  startFixture,
} from './checks-harness.js';
import { readinessStatuses } from './drill-dependency-harness.js';

/*
 * The drill's bookkeeping against a kit service that depends on nothing: the "dependency" is a
 * marker file the stop and start commands create and remove, and a log says which ran. Outages
 * of real servers are in the drill-dependency-*-outage tests.
 */
const work = mkdtempSync(join(tmpdir(), 'bw-drill-dep-'));
let service: Running;
beforeAll(async () => {
  service = await startFixture(KIT_SERVICE);
});
afterAll(async () => {
  await service?.stop();
  rmSync(work, { recursive: true, force: true });
});

const STOP = 'touch down && echo stop >> commands.log';
const START = 'rm -f down && echo start >> commands.log';
const ran = () =>
  existsSync(join(work, 'commands.log'))
    ? readFileSync(join(work, 'commands.log'), 'utf8').trim().split('\n')
    : [];
const fresh = () => rmSync(join(work, 'commands.log'), { force: true });

const drill = (
  params: Record<string, unknown>,
  options: { url?: string; signal?: AbortSignal } = {},
) =>
  runCheck(
    'drill.dependency',
    { dependency: 'marker', stop: STOP, start: START, sampleIntervalMs: 20, ...params },
    {
      service: httpService(options.url ?? service.url),
      planDir: work,
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );

describe('drill.dependency restores what it stopped', () => {
  it('fails a service whose /ready ignores the outage and whose route still answers 200, and starts the dependency', async () => {
    fresh();
    const outcome = await drill({ readyFlipWithinMs: 300, requests: ['/v1/items'], attempts: 2 });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(
      /^marker outage: \/ready still 200 300 ms after the stop \(limit 300 ms\); GET \/v1\/items: 200 instead of 503, Content-Type "application\/json; charset=utf-8" is not application\/problem\+json \(and 1 more\)$/,
    );
    expect(ran()).toEqual(['stop', 'start']);
    expect(existsSync(join(work, 'down'))).toBe(false);
    const m = outcome.measurements as Record<string, unknown>;
    expect(m).toMatchObject({ dependency: 'marker', outageRequests: 2, outageFailedFast: 0 });
    expect(m.readyFlipMs).toBeUndefined();
    // It never stopped being ready, so it is "ready again" as soon as the start command ends.
    expect(m.recoverMs).toEqual(expect.any(Number));
    const statuses = readinessStatuses(outcome);
    expect(statuses.length).toBeGreaterThan(3);
    expect(new Set(statuses)).toEqual(new Set([200]));
    // Phase marks in ms from the stop command, in the order the phases ran.
    const stopDone = m['timeline.stopDoneMs'] as number;
    expect(stopDone).toBeGreaterThanOrEqual(0);
    expect(m['timeline.startMs']).toBeGreaterThanOrEqual(stopDone);
    expect(m['timeline.recoveredMs']).toBeGreaterThanOrEqual(m['timeline.startMs'] as number);
    const csv = String(
      outcome.artifacts?.find((a) => a.name === 'readiness-timeline.csv')?.content,
    );
    expect(csv.split('\n')[0]).toBe('sent_ms,answered_ms,status');
  });

  it('fails on a stop command that fails, naming its output, and still runs start', async () => {
    fresh();
    const outcome = await drill({
      stop: 'echo stop >> commands.log; echo "unit db.service not loaded" >&2; exit 3',
    });
    expect(outcome).toMatchObject({
      status: 'fail',
      summary: 'marker: the stop command exited 3: unit db.service not loaded',
    });
    expect(ran()).toEqual(['stop', 'start']);
  });

  it('is an error naming what it left changed when start fails, after trying it twice', async () => {
    fresh();
    const outcome = await drill({
      readyFlipWithinMs: 100,
      start: 'echo start >> commands.log; echo "cannot start" >&2; exit 4',
    });
    expect(outcome.status).toBe('error');
    expect(outcome.summary).toBe(
      'the drill could not restore everything it changed: start marker (the start command exited 4: cannot start)',
    );
    expect(ran()).toEqual(['stop', 'start', 'start']);
    rmSync(join(work, 'down'), { force: true });
  });

  it('stops promptly on abort, and starts the dependency before returning', async () => {
    fresh();
    const abort = new AbortController();
    const started = performance.now();
    const running = drill({ readyFlipWithinMs: 60_000 }, { signal: abort.signal });
    while (!existsSync(join(work, 'down'))) await sleep(10);
    await sleep(200);
    abort.abort();
    const outcome = await running;
    expect(outcome).toMatchObject({ status: 'skip', reason: expect.stringMatching(/^aborted/) });
    expect(ran()).toEqual(['stop', 'start']);
    expect(existsSync(join(work, 'down'))).toBe(false);
    // Generous: the flip wait alone would have been a minute.
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it('stops nothing when the service is not ready to begin with', async () => {
    fresh();
    const outcome = await drill({}, { url: `http://127.0.0.1:${await freePort()}` });
    expect(outcome).toMatchObject({
      status: 'fail',
      summary: 'not ready before the drill (/ready connection refused); marker was not stopped',
    });
    expect(ran()).toEqual([]);
  });

  it('stops nothing when a write before the outage is not acknowledged', async () => {
    fresh();
    const outcome = await drill({
      acknowledged: { mode: 'http', count: 2, write: { path: '/v1/nowhere' }, read: '/v1/x/{id}' },
    });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(
      /^before the outage, a write was not acknowledged \(POST \/v1\/nowhere: 404 Not Found\); marker was not stopped$/,
    );
    expect(ran()).toEqual([]);
  });
});

describe('drill.dependency parameters', () => {
  const check = (params: Record<string, unknown>) => {
    const value = Value.Default(drillDependencyCheck.params, structuredClone(params));
    return { valid: Value.Check(drillDependencyCheck.params, value), value };
  };
  const base = { dependency: 'postgres', stop: 'pg_ctl stop', start: 'pg_ctl start' };

  it('fills in the documented defaults', () => {
    expect(check(base)).toEqual({
      valid: true,
      value: {
        ...base,
        readyFlipWithinMs: 10_000,
        failFastMs: 2_000,
        recoverWithinMs: 30_000,
        requests: ['/ready'],
        attempts: 3,
        sampleIntervalMs: 100,
        commandTimeoutMs: 120_000,
      },
    });
  });

  it('takes requests as paths or method, path and body, and both acknowledged modes', () => {
    expect(
      check({
        ...base,
        requests: ['/v1/items', { method: 'POST', path: '/v1/items', body: { id: 'x' } }],
        acknowledged: { mode: 'ledger', count: 5 },
      }).valid,
    ).toBe(true);
    expect(
      check({
        ...base,
        acknowledged: {
          mode: 'http',
          write: { path: '/v1/items', body: { id: 'drill-{run}-{n}' } },
          read: '/v1/items/{id}',
        },
      }).valid,
    ).toBe(true);
  });

  it('refuses missing commands, bad paths, unknown fields and a read path without {id}', () => {
    expect(check({ dependency: 'postgres', stop: 'x' }).valid).toBe(false);
    expect(check({ ...base, requests: ['v1/items'] }).valid).toBe(false);
    expect(check({ ...base, requests: [] }).valid).toBe(false);
    expect(check({ ...base, failFastMs: 0 }).valid).toBe(false);
    expect(check({ ...base, timeout: 5 }).valid).toBe(false);
    expect(
      check({ ...base, acknowledged: { mode: 'http', write: { path: '/a' }, read: '/a/1' } }).valid,
    ).toBe(false);
    expect(check({ ...base, acknowledged: { mode: 'ledger', stream: 'no spaces' } }).valid).toBe(
      false,
    );
  });
});
