import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Fleet,
  httpService,
  type Running,
  runCheck,
  STACK_LEAKING_SERVICE,
  startFixture,
  startFleet,
} from './checks-harness.js';

/**
 * Each deliberately broken service, a real process, fails the check for what it breaks, while
 * the healthy kit service passes the same check. The failing summary must name the cause.
 */
let fleet: Fleet;
let leaky: Running;

beforeAll(async () => {
  const [fleetStarted, leakyStarted] = await Promise.allSettled([
    startFleet(),
    startFixture(STACK_LEAKING_SERVICE, {}, (line) => line.includes('listening on')),
  ]);
  // Whichever started is kept for afterAll to stop, even when the other failed.
  if (fleetStarted.status === 'fulfilled') fleet = fleetStarted.value;
  if (leakyStarted.status === 'fulfilled') leaky = leakyStarted.value;
  for (const result of [fleetStarted, leakyStarted]) {
    if (result.status === 'rejected') throw result.reason;
  }
});

afterAll(async () => {
  await Promise.all([fleet?.stop(), leaky?.stop()]);
});

const urls = {
  good: () => fleet.healthy,
  readyNothing: () => fleet.readyChecksNothing,
  metrics: () => fleet.metricsMissingFamilies,
  trace: () => fleet.dropsTraceparent,
  leaky: () => leaky.url,
};

function service(name: keyof typeof urls) {
  return httpService(urls[name]());
}

describe('probe.contract', () => {
  it('passes the kit service, naming what /ready checks, with samples and the target version', async () => {
    const outcome = await runCheck('probe.contract', { samples: 3 }, { service: service('good') });
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.summary).toContain('/ready checks fixture-store');
    expect(outcome.targetVersion).toBe('1.2.3');
    expect(outcome.samples?.map((s) => [s.name, s.values.length])).toEqual([
      ['/live', 3],
      ['/startup', 3],
      ['/ready', 3],
      ['/health', 3],
    ]);
    expect(outcome.artifacts?.map((a) => a.name)).toEqual(['ready.json', 'health.json']);
    expect(outcome.measurements?.readinessChecks).toEqual(['fixture-store']);
  });

  it('fails a service whose /ready checks nothing', async () => {
    const outcome = await runCheck(
      'probe.contract',
      { samples: 2 },
      { service: service('readyNothing') },
    );
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(/^\/ready checks nothing: \/health lists no dependency checks/);
  });
});

describe('errors.problem-json', () => {
  it('passes the kit service: 404, 405 and 400 in problem+json with an errorId', async () => {
    const outcome = await runCheck('errors.problem-json', {}, { service: service('good') });
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.measurements).toEqual({
      'unknown-path.status': 404,
      'wrong-method.status': 405,
      'malformed-json.status': 400,
    });
    expect(outcome.artifacts).toHaveLength(3);
  });

  it('fails a service that leaks stack traces in its error bodies', async () => {
    const outcome = await runCheck('errors.problem-json', {}, { service: service('leaky') });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toContain('stack trace in the body (a "stack" member');
    expect(outcome.summary).toMatch(/GET \/bulwark-verify-no-such-path-\w+: stack trace/);
    expect(outcome.summary).toMatch(/POST .* with malformed JSON: stack trace/);
  });
});

describe('metrics.contract', () => {
  it('passes the kit service', async () => {
    const outcome = await runCheck('metrics.contract', {}, { service: service('good') });
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.artifacts?.[0]?.name).toBe('metrics.txt');
  });

  it('fails a service whose /metrics lacks the contract families, naming them', async () => {
    const outcome = await runCheck('metrics.contract', {}, { service: service('metrics') });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toContain('missing 2 of 9 contract families');
    expect(outcome.measurements?.missing).toEqual([
      'http_server_request_duration_seconds',
      'http_server_requests_in_flight',
    ]);
  });
});

describe('trace.propagation', () => {
  it('passes the kit service', async () => {
    const outcome = await runCheck('trace.propagation', {}, { service: service('good') });
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.measurements?.receivedTraceId).toBe(outcome.measurements?.sentTraceId);
  });

  it('fails a service reached through a proxy that drops traceparent', async () => {
    const outcome = await runCheck('trace.propagation', {}, { service: service('trace') });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(
      /^traceparent ignored: sent trace [0-9a-f]{32}, got [0-9a-f]{32}$/,
    );
  });
});
