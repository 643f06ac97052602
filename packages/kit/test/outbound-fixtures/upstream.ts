import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import { HttpClient, type HttpClientOptions } from '../../src/http/client.js';
import type { OutboundConfig } from '../../src/resilience/outbound-config.js';
import { Tracing } from '../../src/tracing/tracing.js';

/**
 * What a scripted upstream does with one request: answer with a status, hold it unanswered
 * until released (or the connection closes), or reset the connection (a network error).
 */
export type Answer =
  | { status: number; body?: string; headers?: Record<string, string> }
  | 'hold'
  | 'reset';

export const ok: Answer = { status: 200, body: 'ok' };

export interface Hit {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

export interface Upstream {
  /** http://127.0.0.1:port */
  readonly url: string;
  /** The origin as the policies name it (scheme://host:port). */
  readonly upstream: string;
  /** Every request that reached the server, in order. */
  readonly hits: Hit[];
  /** Answers the requests being held, with 200. */
  release(): void;
  close(): Promise<void>;
}

/** A real HTTP server on a loopback port whose n-th request (from 0) gets answer(n). */
export async function startUpstream(
  answer: (hit: number, request: Hit) => Answer,
): Promise<Upstream> {
  const hits: Hit[] = [];
  const held: Array<() => void> = [];
  const server: Server = createServer((request, response) => {
    const hit = { method: request.method ?? '', path: request.url ?? '', headers: request.headers };
    const n = hits.push(hit) - 1;
    const reply = answer(n, hit);
    request.resume();
    if (reply === 'reset') {
      request.socket.destroy();
    } else if (reply === 'hold') {
      held.push(() => response.end('released'));
    } else {
      response.writeHead(reply.status, reply.headers);
      response.end(reply.body ?? '');
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    upstream: `http://127.0.0.1:${port}`,
    hits,
    release() {
      for (const answer of held.splice(0)) answer();
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/**
 * A schedule of answers: `schedule([ok, 3], [fail, 4], ok)` answers ok three times, fails four
 * times, then answers ok for ever.
 */
export function schedule(...steps: [...Array<[Answer, number]>, Answer]): (hit: number) => Answer {
  const runs = steps.slice(0, -1) as Array<[Answer, number]>;
  const rest = steps.at(-1) as Answer;
  return (hit) => {
    let start = 0;
    for (const [answer, times] of runs) {
      if (hit < start + times) return answer;
      start += times;
    }
    return rest;
  };
}

/** Policies for tests: the defaults with what a test changes, retries quick. */
export function policies(overrides: {
  timeoutMs?: number;
  maxUpstreams?: number;
  retry?: Partial<OutboundConfig['retry']>;
  breaker?: Partial<OutboundConfig['breaker']>;
  bulkhead?: Partial<OutboundConfig['bulkhead']>;
}): OutboundConfig {
  return {
    timeoutMs: overrides.timeoutMs ?? 5_000,
    maxUpstreams: overrides.maxUpstreams ?? 256,
    retry: {
      maxAttempts: 3,
      initialDelayMs: 5,
      maxDelayMs: 50,
      budgetRatio: 0.2,
      budgetMinPerSecond: 100,
      ...overrides.retry,
    },
    breaker: {
      enabled: true,
      consecutiveFailures: 5,
      halfOpenAfterMs: 10_000,
      ...overrides.breaker,
    },
    bulkhead: { maxConcurrent: 256, maxQueue: 1_024, ...overrides.bulkhead },
  };
}

/** A client with policies, its metrics registry and the spans it ended. */
export function policyClient(
  config: OutboundConfig,
  options: Omit<HttpClientOptions, 'policies' | 'registry'> = {},
) {
  const spans = new InMemorySpanExporter();
  const tracing = new Tracing({
    service: 'outbound-test',
    version: '0.0.0',
    sampleRatio: 1,
    spanProcessors: [new SimpleSpanProcessor(spans)],
  });
  const registry = new Registry();
  const client = new HttpClient(tracing, { ...options, policies: config, registry });
  return { client, registry, spans };
}

/** One sample of a metric family, by its labels; 0 when absent. */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return 0;
  const { values } = await metric.get();
  const sample = values.find((value) =>
    Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted),
  );
  return sample?.value ?? 0;
}

/** The distinct values of one label in a metric family. */
export async function labelValues(
  registry: Registry,
  name: string,
  label: string,
): Promise<Set<string>> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return new Set();
  const { values } = await metric.get();
  return new Set(values.map((value) => String(value.labels[label])));
}
