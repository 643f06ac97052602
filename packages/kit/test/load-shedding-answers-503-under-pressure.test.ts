import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { Service } from '../src/index.js';
import { installLoadShedding } from '../src/shedding/load-shedding.js';
import type { PressureSample, PressureSampler } from '../src/shedding/pressure-sampler.js';
import { baseUrl, testService } from './helpers.js';

let service: Service | undefined;
afterEach(async () => {
  await service?.shutdown();
  service = undefined;
});

async function get(path: string) {
  const response = await request(`${baseUrl(service!)}${path}`);
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text };
}

async function health() {
  return JSON.parse((await get('/health')).text) as Record<string, any>;
}

/** Polls a path until it answers `status`, returning that answer. */
async function until(path: string, status: number, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await get(path);
    if (answer.status === status) return answer;
    if (Date.now() > deadline) throw new Error(`${path} never answered ${status}`);
    await sleep(20);
  }
}

function metric(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
}

/** Blocks the event loop: what a CPU-bound handler, a huge JSON.parse or a sync crypto does. */
function busyWait(ms: number) {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

/** A sampler the test sets: heap pressure on demand, without filling the heap. */
function settableSampler(): PressureSampler & { current: PressureSample } {
  return {
    current: { eventLoopDelayMs: 1, heapUsedRatio: 0.2 },
    sample() {
      return this.current;
    },
    close() {},
  };
}

const SHEDDING = {
  enabled: true,
  maxEventLoopDelayMs: 200,
  maxHeapUsedRatio: 0.9,
  sampleIntervalMs: 50,
  retryAfterSec: 3,
};

async function serviceWithSampler() {
  // The service's own shedder is off; the test installs one fed by its sampler.
  const made = testService({ shedding: { enabled: false } });
  service = made.service;
  const sampler = settableSampler();
  installLoadShedding(made.service, { config: SHEDDING, sampler });
  made.service.app.get('/v1/work', async () => ({ ok: true }));
  await made.service.listen();
  return { sampler, logs: made.logs };
}

describe('load shedding', () => {
  it('a real overload: app routes answer 503 with Retry-After, probes still answer, then it recovers', async () => {
    const made = testService({
      shedding: { ...SHEDDING, maxEventLoopDelayMs: 20, sampleIntervalMs: 500, retryAfterSec: 2 },
    });
    service = made.service;
    made.service.app.get('/v1/work', async () => ({ ok: true }));
    // Overload, not one stall: for 3 s every turn of the loop runs 40 ms of work, so every tick
    // is late (requests are still served between the turns).
    made.service.app.get('/v1/stall', async () => {
      const until = performance.now() + 3_000;
      const turn = () => {
        busyWait(40);
        if (performance.now() < until) setImmediate(turn);
      };
      setImmediate(turn);
      return { stalled: true };
    });
    await made.service.listen();
    expect((await get('/v1/work')).status).toBe(200);

    expect((await get('/v1/stall')).status).toBe(200);
    // The window holding the overload is over its limit from its next sample on.
    const shed = await until('/v1/work', 503, 6_000);
    expect(shed.headers['retry-after']).toBe('2');
    expect(shed.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = JSON.parse(shed.text);
    expect(problem).toMatchObject({ status: 503, code: 'BW_OVERLOADED', instance: '/v1/work' });
    expect(problem.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(shed.text).not.toMatch(/at .*\.(ts|js):\d+/);

    expect((await get('/live')).status).toBe(200);
    const during = await health();
    expect(during.status).toBe('warn');
    expect(during.shedding).toMatchObject({
      status: 'warn',
      shedding: true,
      reason: 'event_loop_delay',
      max_event_loop_delay_ms: 20,
      max_heap_used_ratio: 0.9,
    });
    expect(during.shedding.event_loop_delay_ms).toBeGreaterThan(20);
    const metrics = (await get('/metrics')).text;
    expect(metric(metrics, 'load_shed_total{reason="event_loop_delay"}')).toBeGreaterThanOrEqual(1);
    expect(metric(metrics, 'load_shedding_event_loop_delay_seconds')).toBeGreaterThan(0.02);

    // A window without the overload: requests are served again.
    await until('/v1/work', 200, 8_000);
    const after = await health();
    expect(after.shedding).toMatchObject({ status: 'pass', shedding: false });
    const records = made.logs.records();
    expect(records.some((r) => String(r.msg).startsWith('overloaded (event_loop_delay)'))).toBe(
      true,
    );
    expect(records.some((r) => String(r.msg).includes('no longer shedding'))).toBe(true);
  });

  it('one stall alone (startup work, a GC pause) sheds nothing: the loop is idle again', async () => {
    const made = testService({
      shedding: { ...SHEDDING, maxEventLoopDelayMs: 20, sampleIntervalMs: 500 },
    });
    service = made.service;
    made.service.app.get('/v1/work', async () => ({ ok: true }));
    made.service.app.get('/v1/stall', async () => {
      busyWait(1_500);
      return { stalled: true };
    });
    await made.service.listen();
    expect((await get('/v1/stall')).status).toBe(200);
    // Two sample windows and more after the stall: every request is served.
    const deadline = performance.now() + 1_500;
    while (performance.now() < deadline) expect((await get('/v1/work')).status).toBe(200);
    expect((await health()).shedding).toMatchObject({ shedding: false });
  });

  it('heap pressure sheds every route but the probes, counted by reason, until it falls', async () => {
    const { sampler } = await serviceWithSampler();
    expect((await get('/v1/work')).status).toBe(200);

    sampler.current = { eventLoopDelayMs: 1, heapUsedRatio: 0.97 };
    const first = await until('/v1/work', 503);
    expect(first.headers['retry-after']).toBe('3');
    // Unmatched paths are shed too (nothing but the probes is exempt).
    expect((await get('/nowhere')).status).toBe(503);
    for (const probe of ['/live', '/startup', '/ready', '/metrics']) {
      expect((await get(probe)).status, probe).toBe(200);
    }
    const report = await health();
    expect(report.shedding).toMatchObject({
      status: 'warn',
      shedding: true,
      reason: 'heap',
      heap_used_ratio: 0.97,
      max_heap_used_ratio: 0.9,
    });
    expect((await get('/v1/work')).status).toBe(503);
    const metrics = (await get('/metrics')).text;
    // The poll's 503s, /nowhere and the last one: at least three, all for the heap.
    expect(metric(metrics, 'load_shed_total{reason="heap"}')).toBeGreaterThanOrEqual(3);
    expect(metric(metrics, 'load_shed_total{reason="event_loop_delay"}')).toBe(0);
    expect(metric(metrics, 'load_shedding_heap_used_ratio')).toBe(0.97);

    sampler.current = { eventLoopDelayMs: 1, heapUsedRatio: 0.5 };
    await until('/v1/work', 200);
    expect((await health()).shedding).toMatchObject({ status: 'pass', shedding: false });
  });

  it('an event-loop delay past its limit sheds under that reason', async () => {
    const { sampler } = await serviceWithSampler();
    sampler.current = { eventLoopDelayMs: 250, heapUsedRatio: 0.2 };
    await until('/v1/work', 503);
    const metrics = (await get('/metrics')).text;
    expect(metric(metrics, 'load_shed_total{reason="event_loop_delay"}')).toBeGreaterThanOrEqual(1);
    expect(metric(metrics, 'load_shed_total{reason="heap"}')).toBe(0);
    // At the limit is not over it.
    sampler.current = { eventLoopDelayMs: 200, heapUsedRatio: 0.9 };
    await until('/v1/work', 200);
  });

  it('installs nothing when disabled: no /health section, no metric families', async () => {
    const made = testService({ shedding: { enabled: false } });
    service = made.service;
    await made.service.listen();
    expect((await health()).shedding).toBeUndefined();
    expect((await get('/metrics')).text).not.toContain('load_shed');
  });
});
