import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Service } from '../src/index.js';
import { baseUrl, testService } from './helpers.js';
import { ok, schedule, startUpstream, type Upstream } from './outbound-fixtures/upstream.js';

const fail = { status: 500, body: 'broken' };
// Long enough for the checks made while open to finish on a busy machine.
const HALF_OPEN_AFTER_MS = 2_000;

let service: Service | undefined;
let upstream: Upstream | undefined;

afterEach(async () => {
  await service?.shutdown();
  await upstream?.close();
  service = undefined;
  upstream = undefined;
});

interface OutboundHealth {
  status: string;
  breakers: Array<{ upstream: string; state: string; since: string; failures: number }>;
}

async function outboundHealth(base: string): Promise<OutboundHealth> {
  const response = await fetch(`${base}/health`);
  const body = (await response.json()) as { outbound: OutboundHealth };
  return body.outbound;
}

/** The value of one metric line in the service's /metrics text, 0 when absent. */
async function scraped(base: string, series: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('the breaker of an upstream that fails on a schedule', () => {
  it('opens after the threshold, fails fast while open, goes half-open and recovers, in /health and /metrics', async () => {
    // ok ×3, then 500 ×4: three open the breaker, the fourth fails the first half-open trial.
    upstream = await startUpstream(schedule([ok, 3], [fail, 4], ok));
    ({ service } = testService({
      outbound: {
        retry: { maxAttempts: 1 },
        breaker: { consecutiveFailures: 3, halfOpenAfterMs: HALF_OPEN_AFTER_MS },
      },
    }));
    const target = `${upstream.url}/thing`;
    service.app.get('/relay', { config: { auth: false, rateLimit: false } }, async () => {
      const response = await service?.http.request(target);
      return { status: response?.statusCode, body: await response?.text() };
    });
    await service.listen();
    const base = baseUrl(service);
    const relay = async () => {
      const response = await fetch(`${base}/relay`);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const state = `http_client_breaker_state{upstream="${upstream.upstream}"}`;
    const transitions = (to: string) =>
      scraped(
        base,
        `http_client_breaker_transitions_total{upstream="${upstream?.upstream}",to="${to}"}`,
      );

    // Closed: three answers pass.
    for (let i = 0; i < 3; i++) expect((await relay()).body).toEqual({ status: 200, body: 'ok' });
    expect(await outboundHealth(base)).toMatchObject({
      status: 'pass',
      breakers: [{ upstream: upstream.upstream, state: 'closed', failures: 0 }],
    });
    expect(await scraped(base, state)).toBe(0);

    // Three 500s: each is still returned to the caller, and the third opens the breaker.
    for (let i = 0; i < 3; i++)
      expect((await relay()).body).toEqual({ status: 500, body: 'broken' });
    expect(upstream.hits).toHaveLength(6);
    const open = await outboundHealth(base);
    expect(open).toMatchObject({
      status: 'warn',
      breakers: [{ upstream: upstream.upstream, state: 'open', failures: 3 }],
    });
    expect(await scraped(base, state)).toBe(2);
    expect(await transitions('open')).toBe(1);

    // Open: calls fail fast with the typed error, and none reaches the upstream.
    const started = performance.now();
    for (let i = 0; i < 5; i++) {
      const refused = await relay();
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ code: 'BW_UPSTREAM_CIRCUIT_OPEN' });
      expect(JSON.stringify(refused.body)).not.toContain('/thing');
    }
    expect(performance.now() - started).toBeLessThan(HALF_OPEN_AFTER_MS);
    expect(upstream.hits).toHaveLength(6);

    // After the delay: half-open, the next call is the trial. It fails (500 #4): open again.
    await sleep(HALF_OPEN_AFTER_MS + 50);
    expect(await outboundHealth(base)).toMatchObject({
      status: 'warn',
      breakers: [{ state: 'half-open' }],
    });
    expect(await scraped(base, state)).toBe(1);
    expect((await relay()).body).toEqual({ status: 500, body: 'broken' });
    expect(upstream.hits).toHaveLength(7);
    expect((await outboundHealth(base)).breakers[0]?.state).toBe('open');
    expect((await relay()).status).toBe(503);
    expect(upstream.hits).toHaveLength(7);

    // The second trial succeeds: closed, and calls flow again.
    await sleep(HALF_OPEN_AFTER_MS + 50);
    expect((await outboundHealth(base)).breakers[0]?.state).toBe('half-open');
    expect((await relay()).body).toEqual({ status: 200, body: 'ok' });
    expect((await relay()).body).toEqual({ status: 200, body: 'ok' });
    expect(upstream.hits).toHaveLength(9);
    expect(await outboundHealth(base)).toMatchObject({
      status: 'pass',
      breakers: [{ upstream: upstream.upstream, state: 'closed', failures: 0 }],
    });
    expect(await scraped(base, state)).toBe(0);
    expect(await transitions('open')).toBe(2);
    expect(await transitions('half-open')).toBe(2);
    expect(await transitions('closed')).toBe(1);
  });

  it('shows half-open while the trial call is in flight, and lets no other call through', async () => {
    let trial = false;
    upstream = await startUpstream((hit) => (hit < 2 ? fail : trial ? 'hold' : ok));
    ({ service } = testService({
      outbound: {
        retry: { maxAttempts: 1 },
        breaker: { consecutiveFailures: 2, halfOpenAfterMs: 100 },
      },
    }));
    const http = service.http;
    const target = `${upstream.url}/`;
    await service.listen();
    const base = baseUrl(service);
    for (let i = 0; i < 2; i++) expect((await http.request(target)).statusCode).toBe(500);
    await sleep(150);
    trial = true;
    const trialCall = http.request(target);
    while (upstream.hits.length < 3) await sleep(5);
    expect((await outboundHealth(base)).breakers[0]?.state).toBe('half-open');
    // A call arriving during the trial waits for its outcome instead of reaching the upstream.
    const waiting = http.request(target);
    await sleep(50);
    expect(upstream.hits).toHaveLength(3);
    trial = false;
    upstream.release();
    expect((await trialCall).statusCode).toBe(200);
    expect((await waiting).statusCode).toBe(200);
    expect((await outboundHealth(base)).breakers[0]?.state).toBe('closed');
  });
});
