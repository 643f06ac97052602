import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ENDPOINTS } from '@bulwark/kit/contract';
import { type Static, Type } from '@sinclair/typebox';
import type { CheckContext, CheckPlugin, Measurements } from '../check.js';
import { type ServiceTarget, serviceTarget, targetVersionOf } from '../live/service-target.js';
import { aborted, skipped } from '../outcomes.js';
import { DrillTargetError, isRunning, readPidFile, sendSignal } from './process-signals.js';

export const DrillShutdownParams = Type.Object(
  { maxMs: Type.Number({ exclusiveMinimum: 0, maximum: 3_600_000 }) },
  { additionalProperties: false },
);
export type DrillShutdownParamsValue = Static<typeof DrillShutdownParams>;

/** How often the drill looks for the process. */
const POLL_MS = 10;
/** How long past maxMs the drill keeps watching, so a slow exit is measured, not just "over". */
const OVERRUN_MS = 10_000;
/** How long a restarted service gets to answer /ready 200. */
const RESTART_READY_MS = 60_000;
const READY_BODY_LIMIT = 65_536;

/**
 * The basic shutdown drill: SIGTERM to the process in `control.pidFile`, then the time until
 * /ready stops answering 200 (load balancers take it out) and until the process is gone; over
 * `maxMs` fails. With `control.start` the service is started again (a shell command run from
 * the plan's directory, left running) and must answer /ready 200 again. A process that ignores
 * SIGTERM is left as it is: a drill does not escalate to SIGKILL behind the operator's back.
 */
export const drillShutdownCheck: CheckPlugin<DrillShutdownParamsValue> = {
  id: 'drill.shutdown',
  description:
    'SIGTERM the service (control.pidFile): it stops being ready and exits within maxMs; restarted with control.start',
  params: DrillShutdownParams,
  scope: 'service',
  kinds: ['http', 'worker', 'ledger'],
  async run(params, ctx) {
    const target = serviceTarget('drill.shutdown', ctx);
    const control = target.service.control;
    if (!control?.pidFile) {
      return skipped(
        control
          ? `service ${target.service.name} has no control.pidFile: this drill signals a local process (compose and Kubernetes drills come later)`
          : `service ${target.service.name} has no control section: nothing to signal`,
      );
    }
    const pidFile = resolve(ctx.planDir, control.pidFile);
    try {
      return await drill(target, ctx, params.maxMs, pidFile, control.start);
    } catch (error) {
      if (error instanceof DrillTargetError) return { status: 'fail', summary: error.message };
      throw error;
    }
  },
};

async function drill(
  target: ServiceTarget,
  ctx: CheckContext,
  maxMs: number,
  pidFile: string,
  start: string | undefined,
) {
  const pid = await readPidFile(pidFile);
  const before = await readyStatus(target);
  if (before !== 200) {
    return {
      status: 'fail' as const,
      summary: `not ready before the drill (/ready ${before}); nothing was signalled`,
      measurements: { pid },
    };
  }
  const targetVersion = await targetVersionOf(target);
  const version = targetVersion === undefined ? {} : { targetVersion };

  ctx.progress(`SIGTERM to process ${pid}`);
  sendSignal(pid, 'SIGTERM');
  const started = performance.now();
  const watchUntil = started + maxMs + OVERRUN_MS;
  const watching = new AbortController();
  const stop = AbortSignal.any([watching.signal, ctx.signal]);
  const [readyStoppedMs, exitMs] = await Promise.all([
    watchReady(target, started, watchUntil, stop),
    watchExit(pid, started, watchUntil, ctx.signal).finally(() => watching.abort()),
  ]);
  if (ctx.signal.aborted) return aborted();

  const figures: Record<string, Measurements[string]> = { pid, maxMs };
  if (readyStoppedMs !== undefined) figures.readyStoppedMs = readyStoppedMs;
  if (exitMs === undefined) {
    return {
      status: 'fail' as const,
      summary: `process ${pid} still running ${Math.round(maxMs + OVERRUN_MS)} ms after SIGTERM (limit ${maxMs} ms); left running, not restarted`,
      measurements: figures,
      ...version,
    };
  }
  figures.exitMs = exitMs;
  const exited = `exited ${exitMs} ms after SIGTERM${readyStoppedMs === undefined ? '' : `, /ready stopped answering 200 after ${readyStoppedMs} ms`}`;
  const restart = start ? await restartService(target, ctx, start) : undefined;
  if (ctx.signal.aborted) return aborted();
  if (restart?.readyMs !== undefined) figures.restartReadyMs = restart.readyMs;
  const after = restart ? `; ${restart.summary}` : '; not restarted (no control.start)';
  if (exitMs > maxMs) {
    return {
      status: 'fail' as const,
      summary: `${exited}: over the ${maxMs} ms limit${after}`,
      measurements: figures,
      ...version,
    };
  }
  if (restart && !restart.ok) {
    return {
      status: 'fail' as const,
      summary: `${exited}${after}`,
      measurements: figures,
      ...version,
    };
  }
  return {
    status: 'pass' as const,
    summary: `${exited} (limit ${maxMs} ms)${after}`,
    measurements: figures,
    ...version,
  };
}

async function readyStatus(target: ServiceTarget, signal?: AbortSignal): Promise<number | string> {
  const exchange = await target.client.get(target.url(ENDPOINTS.ready), {
    maxBodyBytes: READY_BODY_LIMIT,
    signal: signal ?? target.signal,
  });
  return exchange.kind === 'answer' ? exchange.status : exchange.message;
}

/** Ms from SIGTERM until /ready first answers anything but 200 (or nothing at all). */
async function watchReady(
  target: ServiceTarget,
  started: number,
  until: number,
  stop: AbortSignal,
): Promise<number | undefined> {
  while (!stop.aborted && performance.now() < until) {
    const status = await readyStatus(target, stop);
    if (stop.aborted) return undefined;
    if (status !== 200) return round(performance.now() - started);
    await sleep(POLL_MS, undefined, { signal: stop }).catch(() => undefined);
  }
  return undefined;
}

/** Ms from SIGTERM until the process is gone; undefined when it outlived `until`. */
async function watchExit(
  pid: number,
  started: number,
  until: number,
  signal: AbortSignal,
): Promise<number | undefined> {
  while (!signal.aborted && performance.now() < until) {
    if (!isRunning(pid)) return round(performance.now() - started);
    await sleep(POLL_MS, undefined, { signal }).catch(() => undefined);
  }
  return isRunning(pid) ? undefined : round(performance.now() - started);
}

interface Restart {
  readonly ok: boolean;
  readonly summary: string;
  readonly readyMs?: number;
}

/** Runs `control.start` detached (the service outlives the run) and waits for /ready 200. */
async function restartService(
  target: ServiceTarget,
  ctx: CheckContext,
  command: string,
): Promise<Restart> {
  ctx.progress('restarting with control.start');
  const started = performance.now();
  let failedToStart: string | undefined;
  const child = spawn('/bin/sh', ['-c', command], {
    cwd: ctx.planDir,
    detached: true,
    stdio: 'ignore',
  });
  child.once('error', (error) => {
    failedToStart = `control.start could not run: ${error.message}`;
  });
  child.once('exit', (code, signal) => {
    if (code !== 0 && code !== null) failedToStart = `control.start exited with code ${code}`;
    else if (signal) failedToStart = `control.start was killed by ${signal}`;
  });
  child.unref();
  while (!ctx.signal.aborted && performance.now() - started < RESTART_READY_MS) {
    if (failedToStart) return { ok: false, summary: failedToStart };
    if ((await readyStatus(target)) === 200) {
      const readyMs = round(performance.now() - started);
      return { ok: true, summary: `restarted, ready again after ${readyMs} ms`, readyMs };
    }
    await sleep(50, undefined, { signal: ctx.signal }).catch(() => undefined);
  }
  return {
    ok: false,
    summary: failedToStart ?? `not ready within ${RESTART_READY_MS / 1000} s of control.start`,
  };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
