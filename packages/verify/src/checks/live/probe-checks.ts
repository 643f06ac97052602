import { randomBytes } from 'node:crypto';
import { ENDPOINTS, HEADERS } from '@bulwark/kit/contract';
import { describeBody, headerOf, jsonObjectOf, oneLine } from './answer.js';
import { type Answer, type Exchange, type HttpProbeClient, isUnreachable } from './http.js';
import { roundMs, summarize } from './latency.js';
import { parsePrometheusText } from './prometheus-text.js';

/**
 * The contract checks `bulwark probe` runs and `bulwark verify`'s live plugins build on: one
 * implementation, so the two commands cannot judge a service differently.
 */
export type ProbeCheckId =
  | 'reachable'
  | 'live'
  | 'startup'
  | 'ready'
  | 'health'
  | 'metrics'
  | 'trace'
  | 'tls'
  | 'headers'
  | 'errors'
  | 'auth'
  | 'ratelimit'
  | 'redirect';

/** Figures behind a verdict: latencies in ms, sizes in bytes, names as strings. */
export type ProbeMeasurements = Readonly<
  Record<string, number | string | boolean | readonly string[] | readonly number[]>
>;

export interface ProbeCheckResult {
  readonly id: ProbeCheckId;
  readonly ok: boolean;
  /**
   * The security checks' verdict, which has more than two values: `warn` is ok (met, with
   * something worth a look), `skip` is not (nothing was judged). Absent on the contract checks,
   * whose verdict is `ok` alone.
   */
  readonly status?: 'pass' | 'warn' | 'fail' | 'skip';
  /** One line saying what was seen; on failure, what was wrong. */
  readonly detail: string;
  readonly measurements: ProbeMeasurements;
}

/** Probe endpoints answer with small JSON documents; anything far larger is a fault. */
const PROBE_BODY_LIMIT = 1_048_576;
/** A large service's exposition runs to a few MiB; past this a scraper would give up too. */
const METRICS_BODY_LIMIT = 16_777_216;

export interface ProbeContext {
  readonly client: HttpProbeClient;
  /** The target as given; endpoint paths are appended to its path. */
  readonly base: URL;
  readonly samples: number;
  /** p95 latency limit for the sampled endpoints; undefined judges status only. */
  readonly p95LimitMs?: number;
  /** The contract's metric families this target must expose. */
  readonly families: readonly string[];
  readonly progress: (message: string) => void;
  /** Sees every HTTP answer, in order (verify keeps the samples and bodies as evidence). */
  readonly observe?: (path: string, answer: Answer) => void;
  /** Ends the checks early (verify's Ctrl-C and deadline). */
  readonly signal?: AbortSignal;
}

export function endpointUrl(base: URL, path: string): URL {
  const url = new URL(base.href);
  url.pathname = `${base.pathname.replace(/\/+$/, '')}${path}`;
  return url;
}

/** Judges one answer: undefined when it meets the contract, else what is wrong. */
type Judge = (answer: Answer) => string | undefined;

interface SampledCheck {
  readonly id: ProbeCheckId;
  readonly path: string;
  readonly judge: Judge;
  /** What a passing answer showed, for the detail column; the status code by default. */
  readonly describe?: (answer: Answer) => string;
}

const expect200: Judge = (answer) =>
  answer.status === 200 ? undefined : `${answer.status} ${describeBody(answer.body)}`.trimEnd();

/** /live, /startup, /ready and /health: status on every sample, and p95 within the limit. */
export const SAMPLED_CHECKS: readonly SampledCheck[] = [
  { id: 'live', path: ENDPOINTS.live, judge: expect200 },
  {
    id: 'startup',
    path: ENDPOINTS.startup,
    judge: (answer) => (answer.status === 503 ? '503: still starting' : expect200(answer)),
  },
  { id: 'ready', path: ENDPOINTS.ready, judge: judgeReady },
  { id: 'health', path: ENDPOINTS.health, judge: judgeHealth, describe: describeHealth },
];

export async function runSampledCheck(
  ctx: ProbeContext,
  check: SampledCheck,
): Promise<ProbeCheckResult> {
  const url = endpointUrl(ctx.base, check.path);
  const durations: number[] = [];
  let last: Answer | undefined;
  for (let i = 1; i <= ctx.samples; i++) {
    ctx.progress(`${check.id} ${i}/${ctx.samples}`);
    const exchange = await ctx.client.get(url, {
      maxBodyBytes: PROBE_BODY_LIMIT,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    if (exchange.kind === 'answer') ctx.observe?.(check.path, exchange);
    const where = ctx.samples > 1 ? ` (sample ${i} of ${ctx.samples})` : '';
    if (exchange.kind === 'failure') {
      return result(
        check.id,
        false,
        `${check.path}: ${exchange.message}${where}`,
        latency(durations, ctx),
      );
    }
    durations.push(exchange.ms);
    last = exchange;
    const problem = check.judge(exchange);
    if (problem !== undefined) {
      return result(check.id, false, `${check.path}: ${problem}${where}`, latency(durations, ctx));
    }
  }
  const figures = latency(durations, ctx);
  const p95 = figures.p95Ms as number;
  if (ctx.p95LimitMs !== undefined && p95 > ctx.p95LimitMs) {
    return result(check.id, false, `p95 ${p95} ms is over the ${ctx.p95LimitMs} ms limit`, figures);
  }
  const seen = last && check.describe ? `, ${check.describe(last)}` : '';
  return result(check.id, true, `200 on ${ctx.samples} of ${ctx.samples}${seen}`, figures);
}

function latency(durations: readonly number[], ctx: ProbeContext): ProbeMeasurements {
  const summary: ProbeMeasurements = { ...(summarize(durations) ?? { samples: 0 }) };
  return ctx.p95LimitMs === undefined ? summary : { ...summary, p95LimitMs: ctx.p95LimitMs };
}

function judgeReady(answer: Answer): string | undefined {
  if (answer.status !== 503) return expect200(answer);
  const body = jsonObjectOf(answer.body);
  const failing = stringList(body?.failing);
  const reason = typeof body?.reason === 'string' ? body.reason : undefined;
  if (failing.length > 0) return `503 not ready, failing: ${failing.join(', ')}`;
  return `503 not ready${reason ? ` (${reason})` : ''}`;
}

/** The kit's health document: draft-inadarei-api-health-check, pass | warn | fail. */
function judgeHealth(answer: Answer): string | undefined {
  if (answer.status !== 200 && answer.status !== 503) return expect200(answer);
  const body = jsonObjectOf(answer.body);
  if (body === undefined) return `${answer.status} body is not a JSON object`;
  if (!Array.isArray(body.components)) return 'no "components" array in the health document';
  const failing = failingComponents(body.components);
  if (body.status === 'pass' || body.status === 'warn') {
    return answer.status === 200 ? undefined : `503 with status "${body.status}"`;
  }
  if (body.status === 'fail') {
    return `status fail${failing.length > 0 ? `, failing: ${failing.join(', ')}` : ''}`;
  }
  return `status ${JSON.stringify(body.status ?? null)} is not pass, warn or fail`;
}

function describeHealth(answer: Answer): string {
  const body = jsonObjectOf(answer.body);
  const components = Array.isArray(body?.components) ? body.components : [];
  const failing = failingComponents(components);
  const count = `${components.length} component${components.length === 1 ? '' : 's'}`;
  return `status ${String(body?.status)}, ${count}${failing.length > 0 ? ` (failing: ${failing.join(', ')})` : ''}`;
}

function failingComponents(components: readonly unknown[]): string[] {
  return components
    .filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null)
    .filter((c) => c.status === 'fail')
    .map((c) => String(c.name));
}

/** /metrics: the text format, parseable, with every family of the contract. */
export async function runMetricsCheck(ctx: ProbeContext): Promise<ProbeCheckResult> {
  ctx.progress('metrics');
  const exchange = await ctx.client.get(endpointUrl(ctx.base, ENDPOINTS.metrics), {
    headers: { accept: 'text/plain;version=0.0.4' },
    maxBodyBytes: METRICS_BODY_LIMIT,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  if (exchange.kind === 'answer') ctx.observe?.(ENDPOINTS.metrics, exchange);
  const fail = (detail: string, measurements: ProbeMeasurements = {}) =>
    result('metrics', false, `${ENDPOINTS.metrics}: ${detail}`, measurements);
  if (exchange.kind === 'failure') return fail(exchange.message);
  const measured = {
    ms: roundMs(exchange.ms),
    bytes: Buffer.byteLength(exchange.body),
  };
  if (exchange.status !== 200)
    return fail(`${exchange.status} ${describeBody(exchange.body)}`, measured);
  // Prometheus 3 refuses a scrape whose Content-Type it does not recognise.
  const contentType = headerOf(exchange, 'content-type') ?? '';
  if (!/^text\/plain\b/i.test(contentType)) {
    return fail(
      `Content-Type ${JSON.stringify(contentType)} is not text/plain (the text format)`,
      measured,
    );
  }
  if (!exchange.utf8) return fail('body is not valid UTF-8', measured);
  const parsed = parsePrometheusText(exchange.body);
  if (!parsed.ok) {
    return fail(`not Prometheus text format, line ${parsed.line}: ${parsed.message}`, {
      ...measured,
      badLine: parsed.line,
    });
  }
  const missing = ctx.families.filter((name) => !parsed.families.has(name));
  const figures = { ...measured, families: parsed.families.size, missing };
  if (missing.length > 0) {
    return fail(
      `missing ${missing.length} of ${ctx.families.length} contract families: ${missing.join(', ')}`,
      figures,
    );
  }
  return result(
    'metrics',
    true,
    `${ctx.families.length} contract families of ${parsed.families.size}, ${formatSize(measured.bytes)}`,
    figures,
  );
}

const TRACE_HEADER = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * Sends a fresh W3C traceparent to /live. The kit answers with a W3C Trace Context Level 2
 * `traceresponse`; the trace id in it must be the one sent, or the service started a new trace.
 */
export async function runTraceCheck(ctx: ProbeContext): Promise<ProbeCheckResult> {
  ctx.progress('trace');
  const traceId = randomId(16);
  const parentId = randomId(8);
  const exchange: Exchange = await ctx.client.get(endpointUrl(ctx.base, ENDPOINTS.live), {
    headers: { [HEADERS.traceparent]: `00-${traceId}-${parentId}-01` },
    maxBodyBytes: PROBE_BODY_LIMIT,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  if (exchange.kind === 'answer') ctx.observe?.(ENDPOINTS.live, exchange);
  const sent = { sentTraceId: traceId };
  if (exchange.kind === 'failure') return result('trace', false, exchange.message, sent);
  const response = headerOf(exchange, HEADERS.traceresponse);
  if (response === undefined) {
    return result('trace', false, `no ${HEADERS.traceresponse} header in the answer`, sent);
  }
  const match = TRACE_HEADER.exec(response.trim());
  if (!match || match[1] === 'ff') {
    return result('trace', false, `malformed ${HEADERS.traceresponse}: ${oneLine(response)}`, sent);
  }
  const receivedTraceId = match[2] as string;
  const figures = { ...sent, receivedTraceId, serverSpanId: match[3] as string };
  if (receivedTraceId !== traceId) {
    return result(
      'trace',
      false,
      `traceparent ignored: sent trace ${traceId}, got ${receivedTraceId}`,
      figures,
    );
  }
  return result('trace', true, `trace ${traceId} continued`, figures);
}

/**
 * One request to /live. Any HTTP answer, whatever its status, shows an HTTP server is there;
 * `unreachable` is true when nothing speaking HTTP answered (refused, DNS, not HTTP, ...).
 */
export async function runReachableCheck(
  client: HttpProbeClient,
  base: URL,
  signal?: AbortSignal,
): Promise<{ result: ProbeCheckResult; unreachable: boolean }> {
  const exchange = await client.get(endpointUrl(base, ENDPOINTS.live), {
    maxBodyBytes: PROBE_BODY_LIMIT,
    ...(signal ? { signal } : {}),
  });
  if (exchange.kind === 'failure') {
    return {
      result: result('reachable', false, exchange.message, {}),
      unreachable: isUnreachable(exchange),
    };
  }
  return {
    result: result('reachable', true, `HTTP ${exchange.status} from ${ENDPOINTS.live}`, {
      ms: roundMs(exchange.ms),
      status: exchange.status,
    }),
    unreachable: false,
  };
}

function result(
  id: ProbeCheckId,
  ok: boolean,
  detail: string,
  measurements: ProbeMeasurements,
): ProbeCheckResult {
  return { id, ok, detail, measurements };
}

function stringList(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.map((item) =>
    typeof item === 'object' && item !== null && 'name' in item ? String(item.name) : String(item),
  );
}

function randomId(bytes: number): string {
  let id = randomBytes(bytes).toString('hex');
  // All zeros is the one invalid id W3C Trace Context reserves.
  while (/^0+$/.test(id)) id = randomBytes(bytes).toString('hex');
  return id;
}

function formatSize(bytes: number): string {
  return bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} B`;
}
