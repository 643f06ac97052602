import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ENDPOINTS } from '@bulwark/kit/contract';
import { type Static, Type } from '@sinclair/typebox';
import type {
  CheckContext,
  CheckOutcome,
  CheckPlugin,
  Measurements,
  SampleSeries,
} from '../check.js';
import { HttpProbeClient } from '../live/http.js';
import { type ServiceTarget, serviceTarget, targetVersionOf } from '../live/service-target.js';
import { aborted, skipped } from '../outcomes.js';
import { type DrillCleanup, withCleanup } from './cleanup.js';
import { loadMeasurements, loadSamples } from './load.js';
import { errorRate, percent } from './load-figures.js';
import {
  encodeRequest,
  RequestBody,
  RequestHeaders,
  RequestMethod,
  RequestPath,
} from './load-request.js';
import { LedgerWatch } from './soak-ledger.js';
import { growthOf, type ProcessSample, sampleProcess } from './soak-metrics.js';
import {
  RESTART_HOWS,
  type RestartMethod,
  type RestartResult,
  restartMethod,
  ServiceRestarter,
} from './soak-restart.js';
import { type PacedRunResult, runPaced } from './soak-traffic.js';
import { type ReadBack, SoakWrite, WriteProbe } from './soak-writes.js';

export const SOAK_MODES = ['steady', 'volume'] as const;

const Ms = (options: { minimum: number; default?: number }) =>
  Type.Integer({ maximum: 7 * 86_400_000, ...options });

export const DrillSoakParams = Type.Object(
  {
    path: RequestPath,
    method: RequestMethod,
    body: Type.Optional(RequestBody),
    headers: Type.Optional(RequestHeaders),
    /** steady: `rate` requests a second; volume: a day's `dailyRequests` within durationMs. */
    mode: Type.Union(
      SOAK_MODES.map((m) => Type.Literal(m)),
      { default: 'steady' },
    ),
    durationMs: Ms({ minimum: 1000 }),
    rate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000 })),
    dailyRequests: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000_000 })),
    /** Most requests waiting for an answer at once; a due request past it is dropped. */
    connections: Type.Integer({ minimum: 1, maximum: 1000, default: 16 }),
    restartEveryMs: Type.Optional(Ms({ minimum: 1000 })),
    restartHow: Type.Union(
      RESTART_HOWS.map((h) => Type.Literal(h)),
      { default: 'auto' },
    ),
    /** How long a stop (control.stop, SIGTERM, control.restart) may take. */
    restartStopMs: Ms({ minimum: 100, default: 30_000 }),
    /** How long a restarted service gets to answer /ready 200 again. */
    restartReadyMs: Ms({ minimum: 100, default: 60_000 }),
    /** How often /metrics is read; durationMs / 60 (0.25 s to 60 s) unless given. */
    sampleEveryMs: Type.Optional(Ms({ minimum: 100 })),
    /** Not counted for growth, from the start of each process lifetime; 10% of the run (60 s at most) unless given. */
    warmupMs: Type.Optional(Ms({ minimum: 0 })),
    maxRssGrowthBytes: Type.Integer({ minimum: 0, default: 134_217_728 }),
    maxHandleGrowth: Type.Integer({ minimum: 0, default: 50 }),
    /** How often each ledger service re-verifies its chain; durationMs / 10 (1 s to 5 min) unless given. */
    ledgerEveryMs: Type.Optional(Ms({ minimum: 500 })),
    write: Type.Optional(SoakWrite),
    /** Requests that failed or got a non-2xx/3xx answer, over all sent; not judged unless given. */
    maxErrorRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  {
    additionalProperties: false,
    // Each mode needs its own rate: checked when the plan is loaded (JSON Schema if/then/else).
    if: { properties: { mode: { const: 'volume' } }, required: ['mode'] },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else keyword, not a thenable
    then: { required: ['dailyRequests'], not: { required: ['rate'] } },
    else: { required: ['rate'], not: { required: ['dailyRequests'] } },
  },
);
export type DrillSoakParamsValue = Static<typeof DrillSoakParams>;

/** A volume run must send this share of the day's requests, or it did not carry the volume. */
export const MIN_VOLUME_SHARE = 0.9;

interface Judgement {
  readonly ok: boolean;
  readonly text: string;
}

/**
 * A long run at a steady rate (or a day's volume compressed into the time given), with the
 * service restarted on a schedule through its control section. It judges what only shows over
 * time: resident memory and open handles may not grow past their bounds within any one process
 * lifetime, every ledger service's chain verifies throughout, and every write the service
 * acknowledged is still there at the end. A restart that does not come back fails it; cleanup
 * brings the service back whatever happened.
 */
export const drillSoakCheck: CheckPlugin<DrillSoakParamsValue> = {
  id: 'drill.soak',
  description:
    'a long steady (or one-day volume) run with scheduled restarts: memory and handle growth, ledger validity, no lost writes',
  params: DrillSoakParams,
  scope: 'service',
  kinds: ['http', 'ledger', 'tool-gate'],
  async run(params, ctx) {
    const target = serviceTarget('drill.soak', ctx);
    const rate = rateOf(params);
    if (typeof rate === 'string') return { status: 'error', summary: rate, reason: rate };
    let method: RestartMethod | undefined;
    if (params.restartEveryMs !== undefined) {
      const chosen = restartMethod(target.service.control, params.restartHow);
      if ('missing' in chosen) {
        return skipped(`service ${target.service.name} cannot be restarted: ${chosen.missing}`);
      }
      method = chosen.method;
    }
    const before = await target.client.get(target.url(ENDPOINTS.ready), {
      maxBodyBytes: 65_536,
      signal: ctx.signal,
    });
    if (ctx.signal.aborted) return aborted();
    if (before.kind !== 'answer' || before.status !== 200) {
      return {
        status: 'fail',
        summary: `not ready before the soak (/ready ${before.kind === 'answer' ? before.status : before.message}); nothing was sent`,
      };
    }
    return withCleanup((cleanup) => soak(params, rate, method, target, ctx, cleanup));
  },
};

/** Requests a second: the steady rate, or the day's volume over the run's length. */
function rateOf(params: DrillSoakParamsValue): number | string {
  if (params.mode === 'volume') {
    if (params.dailyRequests === undefined) return 'drill.soak: volume mode needs dailyRequests';
    return params.dailyRequests / (params.durationMs / 1000);
  }
  if (params.rate === undefined) return 'drill.soak: steady mode needs rate';
  return params.rate;
}

async function soak(
  params: DrillSoakParamsValue,
  rate: number,
  method: RestartMethod | undefined,
  target: ServiceTarget,
  ctx: CheckContext,
  cleanup: DrillCleanup,
): Promise<CheckOutcome> {
  const service = target.service;
  // One client per side task: the checks' shared client has one connection, and a write stuck
  // on a restarting service must not hold up the restart's own readiness polls.
  const client = () => {
    const made = new HttpProbeClient({ timeoutMs: ctx.timeoutMs });
    cleanup.add('close the soak HTTP connections', () => made.close());
    return made;
  };
  const restarter =
    method === undefined
      ? undefined
      : new ServiceRestarter({
          control: service.control ?? {},
          method,
          planDir: ctx.planDir,
          readyUrl: target.url(ENDPOINTS.ready),
          client: client(),
          stopWithinMs: params.restartStopMs,
          readyWithinMs: params.restartReadyMs,
        });
  if (restarter) {
    cleanup.add(`start ${service.name} again if a restart left it down`, () =>
      restarter.ensureRunning(),
    );
  }
  const ledgers = ctx.environment.services.filter((s) => s.kind === 'ledger');
  const ledger = ledgers.length > 0 ? new LedgerWatch(client(), ledgers) : undefined;
  const writes = params.write ? new WriteProbe(client(), target.url, params.write) : undefined;
  const metricsClient = client();

  const sampleEveryMs = params.sampleEveryMs ?? clamp(params.durationMs / 60, 250, 60_000);
  const warmupMs = params.warmupMs ?? Math.min(params.durationMs / 10, 60_000);
  const ledgerEveryMs = params.ledgerEveryMs ?? clamp(params.durationMs / 10, 1000, 300_000);
  const modeText =
    params.mode === 'volume'
      ? `volume mode, a day's ${params.dailyRequests} requests compressed into ${seconds(params.durationMs)} (${round(rate)} req/s)`
      : `steady mode, ${round(rate)} req/s for ${seconds(params.durationMs)}`;
  ctx.progress(
    `soak: ${modeText}${params.restartEveryMs ? `, restarting ${service.name} every ${seconds(params.restartEveryMs)}` : ''}`,
  );

  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const end = new AbortController();
  const running = AbortSignal.any([ctx.signal, end.signal]);
  const samples: ProcessSample[] = [];
  let scrapeFailures = 0;
  const restarts: RestartResult[] = [];
  let restartsDone = 0;
  const sample = async (signal: AbortSignal) => {
    const taken = await sampleProcess(
      metricsClient,
      target.url(ENDPOINTS.metrics),
      elapsed(),
      restartsDone,
      signal,
    );
    if (taken) samples.push(taken);
    else if (!signal.aborted) scrapeFailures++;
  };

  const request = encodeRequest(params.body, params.headers);
  const traffic = runPaced({
    url: target.url(params.path),
    method: params.method,
    ...(request.body === undefined ? {} : { body: request.body }),
    headers: request.headers,
    rate,
    durationMs: params.durationMs,
    maxInFlight: params.connections,
    timeoutMs: ctx.timeoutMs,
    signal: ctx.signal,
  }).finally(() => end.abort());
  const tasks: Promise<void>[] = [every(sampleEveryMs, true, running, sample)];
  if (ledger) tasks.push(every(ledgerEveryMs, true, running, (s) => ledger.verifyAll(s)));
  if (writes && params.write)
    tasks.push(every(params.write.everyMs, true, running, (s) => writes.writeOne(s)));
  if (restarter && params.restartEveryMs !== undefined) {
    // The schedule stops with the traffic; a restart under way finishes (only Ctrl-C stops it).
    tasks.push(
      every(params.restartEveryMs, false, running, async () => {
        ctx.progress(`soak: restarting ${service.name} (${restarts.length + 1})`);
        const result = await restarter.restart(ctx.signal);
        restarts.push(result);
        if (result.ok) restartsDone++;
      }),
    );
  }
  const [result] = await Promise.all([traffic, ...tasks]);
  if (ctx.signal.aborted) return aborted();

  // After the run: the last figures, the ledger once more, and every acknowledged write.
  await sample(ctx.signal);
  if (ledger) await ledger.verifyAll(ctx.signal);
  const readBack = writes ? await writes.readBack(ctx.signal) : undefined;
  if (ctx.signal.aborted) return aborted();
  const version = await targetVersionOf(target);

  const judged: Judgement[] = [];
  if (params.mode === 'volume') judged.push(judgeVolume(result, params.dailyRequests ?? 0));
  if (params.restartEveryMs !== undefined) judged.push(judgeRestarts(restarts, method));
  judged.push(judgeGrowth(samples, 'rssBytes', warmupMs, params.maxRssGrowthBytes));
  judged.push(judgeGrowth(samples, 'handles', warmupMs, params.maxHandleGrowth));
  if (ledger) judged.push(...judgeLedger(ledger));
  if (readBack && writes) judged.push(judgeWrites(readBack, writes.attempts));
  if (params.maxErrorRate !== undefined) judged.push(judgeErrors(result, params.maxErrorRate));

  const failed = judged.filter((j) => !j.ok);
  const evidence = {
    measurements: soakMeasurements(params, rate, result, {
      samples,
      scrapeFailures,
      restarts,
      warmupMs,
      sampleEveryMs,
      ledger,
      readBack,
      writesSent: writes?.attempts ?? 0,
    }),
    samples: soakSamples(result, samples),
    artifacts: [
      {
        name: 'soak-timeline.json',
        mediaType: 'application/json',
        content: `${JSON.stringify(
          {
            mode: params.mode,
            rate,
            samples,
            restarts,
            ledger: ledger?.verdicts ?? [],
            writes: readBack
              ? {
                  ...readBack,
                  lost: readBack.lost.slice(0, 1000),
                  unread: readBack.unread.slice(0, 1000),
                }
              : null,
            statuses: result.statuses,
            errorCauses: result.errorCauses,
          },
          null,
          2,
        )}\n`,
      },
    ],
    ...(version === undefined ? {} : { targetVersion: version }),
  };
  return failed.length > 0
    ? {
        status: 'fail',
        summary: `${modeText}: ${failed.map((j) => j.text).join('; ')}`,
        ...evidence,
      }
    : {
        status: 'pass',
        summary: `${modeText}: ${judged.map((j) => j.text).join(', ')}`,
        ...evidence,
      };
}

/**
 * Runs `task` on a fixed schedule (every `ms` from the start, so it does not drift) until the
 * signal fires. A task that overruns its slot skips the slots it missed rather than running
 * again at once: a slow restart is not followed by another straight away.
 */
async function every(
  ms: number,
  immediately: boolean,
  signal: AbortSignal,
  task: (signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const started = performance.now();
  let slot = immediately ? 0 : 1;
  while (!signal.aborted) {
    const wait = started + slot * ms - performance.now();
    if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => undefined);
    if (signal.aborted) return;
    await task(signal);
    slot = Math.max(slot + 1, Math.ceil((performance.now() - started) / ms));
  }
}

function judgeVolume(result: PacedRunResult, dailyRequests: number): Judgement {
  const share = dailyRequests === 0 ? 0 : result.sent / dailyRequests;
  const dropped = result.dropped > 0 ? ` (${result.dropped} dropped: the service fell behind)` : '';
  return share >= MIN_VOLUME_SHARE
    ? { ok: true, text: `sent ${result.sent} of the day's ${dailyRequests} requests` }
    : {
        ok: false,
        text: `sent only ${result.sent} of the day's ${dailyRequests} requests (${percent(share)} < ${percent(MIN_VOLUME_SHARE)})${dropped}`,
      };
}

function judgeRestarts(restarts: readonly RestartResult[], method?: RestartMethod): Judgement {
  if (restarts.length === 0) {
    return {
      ok: false,
      text: 'no restart fit in the run (restartEveryMs is not shorter than durationMs)',
    };
  }
  const failedAt = restarts.findIndex((r) => !r.ok);
  if (failedAt >= 0) {
    return {
      ok: false,
      text: `restart ${failedAt + 1} of ${restarts.length} (${method}) failed: ${restarts[failedAt]?.problem}`,
    };
  }
  const slowest = Math.max(...restarts.map((r) => r.readyMs ?? 0));
  return {
    ok: true,
    text: `${restarts.length} restart${restarts.length === 1 ? '' : 's'} (${method}), ready again within ${slowest} ms`,
  };
}

function judgeGrowth(
  samples: readonly ProcessSample[],
  figure: 'rssBytes' | 'handles',
  warmupMs: number,
  limit: number,
): Judgement {
  const label = figure === 'rssBytes' ? 'resident memory' : 'open handles';
  const growth = growthOf(samples, figure, warmupMs);
  if (!growth) {
    return {
      ok: false,
      text: `${label}: fewer than two /metrics samples after warm-up in any process lifetime`,
    };
  }
  const show = (n: number) => (figure === 'rssBytes' ? mib(n) : String(n));
  const ok = growth.largest <= limit;
  return {
    ok,
    text: `${label} grew ${show(growth.largest)} ${ok ? '<=' : '>'} ${show(limit)}`,
  };
}

function judgeLedger(ledger: LedgerWatch): Judgement[] {
  return ledger.ledgers.map((service) => {
    const verdicts = ledger.verdicts.filter((v) => v.service === service.name);
    const invalid = verdicts.findIndex((v) => v.verdict.kind === 'invalid');
    if (invalid >= 0) {
      const verdict = verdicts[invalid]?.verdict as { reason: string };
      return {
        ok: false,
        text: `ledger ${service.name} failed verification ${invalid + 1} of ${verdicts.length}: ${verdict.reason}`,
      };
    }
    const last = verdicts.at(-1)?.verdict;
    if (last?.kind !== 'valid') {
      return {
        ok: false,
        text: `ledger ${service.name} did not verify at the end: ${last && 'reason' in last ? last.reason : 'no answer'}`,
      };
    }
    const valid = verdicts.filter((v) => v.verdict.kind === 'valid').length;
    return {
      ok: true,
      text: `ledger ${service.name} valid in ${valid} of ${verdicts.length} verifications`,
    };
  });
}

function judgeWrites(readBack: ReadBack, sent: number): Judgement {
  if (readBack.checked === 0) {
    return { ok: false, text: `no write was acknowledged (${sent} sent): nothing to read back` };
  }
  if (readBack.lost.length > 0) {
    const shown = readBack.lost.slice(0, 3).join(', ');
    return {
      ok: false,
      text: `${readBack.lost.length} of ${readBack.checked} acknowledged writes lost (${shown}${readBack.lost.length > 3 ? ', ...' : ''})`,
    };
  }
  if (readBack.unread.length > 0) {
    return {
      ok: false,
      text: `${readBack.unread.length} of ${readBack.checked} acknowledged writes could not be read back`,
    };
  }
  return { ok: true, text: `${readBack.checked} acknowledged writes all read back` };
}

function judgeErrors(result: PacedRunResult, limit: number): Judgement {
  const rate = errorRate(result.counts);
  if (rate === undefined) return { ok: false, text: 'error rate: no requests completed' };
  return {
    ok: rate <= limit,
    text: `error rate ${percent(rate)} ${rate <= limit ? '<=' : '>'} ${percent(limit)}`,
  };
}

interface SoakFigures {
  readonly samples: readonly ProcessSample[];
  readonly scrapeFailures: number;
  readonly restarts: readonly RestartResult[];
  readonly warmupMs: number;
  readonly sampleEveryMs: number;
  readonly ledger: LedgerWatch | undefined;
  readonly readBack: ReadBack | undefined;
  readonly writesSent: number;
}

function soakMeasurements(
  params: DrillSoakParamsValue,
  rate: number,
  result: PacedRunResult,
  figures: SoakFigures,
): Measurements {
  const sorted = result.latencies.sorted();
  const traffic = loadMeasurements(result, sorted, { connections: params.connections, rate }, []);
  const all: Record<string, Measurements[string]> = {
    ...traffic,
    mode: params.mode,
    targetRps: round(rate),
    plannedDurationMs: params.durationMs,
    sent: result.sent,
    dropped: result.dropped,
    warmupMs: Math.round(figures.warmupMs),
    sampleEveryMs: Math.round(figures.sampleEveryMs),
    metricsSamples: figures.samples.length,
    metricsScrapeFailures: figures.scrapeFailures,
  };
  if (params.mode === 'volume' && params.dailyRequests !== undefined) {
    all.dailyRequests = params.dailyRequests;
  }
  const rss = growthOf(figures.samples, 'rssBytes', figures.warmupMs);
  if (rss) {
    all.rssGrowthBytes = rss.largest;
    all.processLifetimesJudged = rss.lifetimesJudged;
  }
  const handles = growthOf(figures.samples, 'handles', figures.warmupMs);
  if (handles) all.handleGrowth = handles.largest;
  if (params.restartEveryMs !== undefined) {
    all.restarts = figures.restarts.length;
    all.restartsFailed = figures.restarts.filter((r) => !r.ok).length;
    all.restartReadyMs = figures.restarts.flatMap((r) =>
      r.readyMs === undefined ? [] : [r.readyMs],
    );
  }
  if (figures.ledger) {
    const verdicts = figures.ledger.verdicts;
    all.ledgerVerifications = verdicts.length;
    all.ledgerValid = verdicts.filter((v) => v.verdict.kind === 'valid').length;
    all.ledgerInvalid = verdicts.filter((v) => v.verdict.kind === 'invalid').length;
  }
  if (figures.readBack) {
    all.writesSent = figures.writesSent;
    all.writesAcknowledged = figures.readBack.checked;
    all.writesLost = figures.readBack.lost.length;
    all.writesUnread = figures.readBack.unread.length;
  }
  return all;
}

function soakSamples(result: PacedRunResult, samples: readonly ProcessSample[]): SampleSeries[] {
  const series = loadSamples(result);
  const rss = samples.flatMap((s) => (s.rssBytes === undefined ? [] : [s.rssBytes]));
  const handles = samples.flatMap((s) => (s.handles === undefined ? [] : [s.handles]));
  return [
    { name: 'resident memory (process_resident_memory_bytes)', unit: 'bytes', values: rss },
    { name: 'open handles (nodejs_active_handles)', unit: 'count', values: handles },
    ...series,
  ];
}

function clamp(n: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, Math.round(n)));
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function mib(bytes: number): string {
  return `${Math.round((bytes / 1_048_576) * 10) / 10} MiB`;
}
