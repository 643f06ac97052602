import { fileURLToPath } from 'node:url';
import { freePort } from '@bulwark/testkit';
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DrillLoadParams } from '../src/checks/drill/load.js';
import { HISTOGRAM_BOUNDS_MS } from '../src/checks/drill/load-figures.js';
import { httpService, type Running, runCheck, startFixture } from './checks-harness.js';

const TRAFFIC = fileURLToPath(new URL('./processes/drill-traffic-service.ts', import.meta.url));

let service: Running;
beforeAll(async () => {
  service = await startFixture(TRAFFIC, { DRILL_SLOW_MS: '60' });
});
afterAll(async () => {
  await service?.stop();
});

const load = (params: Record<string, unknown>, signal?: AbortSignal) =>
  runCheck('drill.load', params, {
    service: httpService(service.url),
    ...(signal ? { signal } : {}),
  });
/** The figures of an outcome, typed for the assertions (each key's type is known per check). */
const figures = (outcome: { measurements?: unknown }) => {
  const m = (outcome.measurements ?? {}) as Record<string, unknown>;
  return {
    num: (key: string) => m[key] as number,
    list: (key: string) => m[key] as number[],
    texts: (key: string) => m[key] as string[],
  };
};

describe('drill.load', () => {
  it('passes a healthy path, keeping percentiles, the histogram and a chart sample as evidence', async () => {
    const outcome = await load({
      path: '/v1/items',
      connections: 4,
      durationMs: 1000,
      // Sanity bounds, not a benchmark: the machine is shared with other tests.
      p95Ms: 2000,
      maxErrorRate: 0,
      minRps: 1,
    });
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.summary).toMatch(
      /^GET \/v1\/items: p95 [\d.]+ ms <= 2000 ms, error rate 0% <= 0%, [\d.]+ good req\/s >= 1 \(\d+ answers in [\d.]+ s, [\d.]+ good req\/s\)$/,
    );
    const { num, list, texts } = figures(outcome);
    const answers = num('okAnswers');
    expect(answers).toBeGreaterThan(10);
    expect(num('requests')).toBe(answers);
    expect(num('errorRate')).toBe(0);
    expect(num('latencySamples')).toBe(answers);
    expect(num('p50Ms')).toBeLessThanOrEqual(num('p95Ms'));
    expect(num('p95Ms')).toBeLessThanOrEqual(num('p99Ms'));
    expect(num('p99Ms')).toBeLessThanOrEqual(num('maxMs'));
    expect(list('latencyBoundsMs')).toEqual(HISTOGRAM_BOUNDS_MS);
    expect(list('latencyCounts')).toHaveLength(HISTOGRAM_BOUNDS_MS.length + 1);
    expect(list('latencyCounts').reduce((a, b) => a + b, 0)).toBe(answers);
    expect(texts('statusCodes')).toEqual([`200: ${answers}`]);
    expect(outcome.targetVersion).toBe('2.0.0');
    const [latency, perSecond] = outcome.samples ?? [];
    expect(latency?.unit).toBe('ms');
    expect(latency?.values.length).toBe(Math.min(1000, answers));
    expect(perSecond?.values.reduce((a, b) => a + b, 0)).toBe(answers);
    expect(outcome.artifacts?.map((a) => a.name)).toEqual(['load-result.json']);
  });

  it('fails a latency threshold the path cannot meet, naming the figure and the limit', async () => {
    const outcome = await load({ path: '/v1/slow', connections: 2, durationMs: 600, p50Ms: 5 });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(/^GET \/v1\/slow: p50 (\d+\.?\d*) ms > 5 ms \(/);
    expect(figures(outcome).num('p50Ms')).toBeGreaterThanOrEqual(60);
    expect(figures(outcome).texts('failedThresholds')).toEqual(['p50Ms']);
  });

  it('fails on errors, and a latency threshold with no good answers fails rather than passes', async () => {
    const outcome = await load({
      path: '/v1/status/503',
      connections: 2,
      durationMs: 500,
      p95Ms: 10_000,
      minRps: 0,
    });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(
      /^GET \/v1\/status\/503: p95: no successful answers to measure; error rate 100% > 1%; throughput: no successful answers \(/,
    );
    const { num, texts } = figures(outcome);
    expect(num('badStatusAnswers')).toBeGreaterThan(0);
    expect(num('okAnswers')).toBe(0);
    expect(num('errorRate')).toBe(1);
    expect(num('p95Ms')).toBeUndefined();
    expect(texts('failedThresholds')).toEqual(['p95Ms', 'maxErrorRate', 'minRps']);
  });

  it('stops after `amount` answers, and keeps to the rate with more connections than requests a second', async () => {
    const counted = await load({
      path: '/v1/items',
      connections: 5,
      amount: 40,
      durationMs: 20_000,
    });
    expect(counted.status, counted.summary).toBe('pass');
    expect(figures(counted).num('okAnswers')).toBe(40);
    expect(figures(counted).num('durationMs')).toBeLessThan(20_000);

    // 50 connections at 10 req/s: unthrottled surplus connections would send thousands.
    const paced = await load({ path: '/v1/items', connections: 50, rate: 10, durationMs: 1500 });
    expect(paced.status, paced.summary).toBe('pass');
    const { num } = figures(paced);
    expect(num('okAnswers')).toBeGreaterThan(0);
    expect(num('okAnswers')).toBeLessThanOrEqual(40);
    expect(num('targetRps')).toBe(10);
  });

  it('fails when nothing answers: every request is an error', async () => {
    const closed = await freePort();
    const outcome = await runCheck(
      'drill.load',
      { path: '/v1/items', connections: 1, durationMs: 300 },
      { service: httpService(`http://127.0.0.1:${closed}`) },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(/^GET \/v1\/items: error rate 100% > 1% \(0 answers in/);
    expect(figures(outcome).num('noAnswer')).toBeGreaterThan(0);
  });

  it('stops promptly when aborted and says so', async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    const t0 = performance.now();
    const outcome = await load(
      { path: '/v1/items', connections: 2, durationMs: 30_000 },
      abort.signal,
    );
    expect(outcome.status).toBe('skip');
    expect(outcome.reason).toMatch(/aborted/);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it('takes thresholds with defaults, and refuses what would judge nothing sensible', () => {
    const withDefaults = Value.Default(DrillLoadParams, { path: '/v1/items' });
    expect(withDefaults).toEqual({
      path: '/v1/items',
      method: 'GET',
      connections: 10,
      durationMs: 10_000,
      maxErrorRate: 0.01,
    });
    expect(Value.Check(DrillLoadParams, withDefaults)).toBe(true);
    const bad = (params: Record<string, unknown>) =>
      Value.Check(DrillLoadParams, Value.Default(DrillLoadParams, params));
    expect(bad({})).toBe(false);
    expect(bad({ path: 'v1/items' })).toBe(false);
    expect(bad({ path: '/x', p95Ms: 0 })).toBe(false);
    expect(bad({ path: '/x', maxErrorRate: 2 })).toBe(false);
    expect(bad({ path: '/x', method: 'TRACE' })).toBe(false);
    expect(bad({ path: '/x', connections: 0 })).toBe(false);
  });
});
