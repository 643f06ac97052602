import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ENDPOINTS } from '@bulwark/kit/contract';
import { type Static, Type } from '@sinclair/typebox';
import type { CheckContext, CheckOutcome, CheckPlugin } from '../check.js';
import { type ServiceTarget, serviceTarget, targetVersionOf } from '../live/service-target.js';
import { aborted, skipped } from '../outcomes.js';
import { type DrillCleanup, withCleanup } from './cleanup.js';
import {
  DrillTargetError,
  isRunning,
  PROCESS_POLL_MS,
  readPidFile,
  sendSignal,
  waitForExit,
} from './process-signals.js';
import { ReadinessTimeline, readyBeforeDrill } from './readiness-timeline.js';
import {
  awaitReadyAgain,
  runServiceCommand,
  runStopCommand,
  type StartedCommand,
} from './service-commands.js';
import { serviceUrl } from './service-url.js';
import { BalancedLoad, type LoadTally } from './shutdown-load.js';
import { judgeShutdown, type RestartResult, type ShutdownFigures } from './shutdown-verdict.js';

const Limit = (extra: { default?: number } = {}) =>
  Type.Number({ exclusiveMinimum: 0, maximum: 3_600_000, ...extra });

export const DrillShutdownParams = Type.Object(
  {
    /** SIGTERM to exit. */
    maxMs: Limit(),
    /** SIGTERM to the first /ready 503. */
    readyFlipWithinMs: Limit({ default: 1_000 }),
    /** Requests the service may drop after accepting them. */
    maxFailedAccepted: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
    /** What the load requests (GET), appended to the service's base URL path. */
    path: Type.String({ pattern: '^/', maxLength: 2000, default: ENDPOINTS.live }),
    connections: Type.Integer({ minimum: 1, maximum: 256, default: 8 }),
    /** Load before the signal: connections open and requests in flight when it arrives. */
    warmupMs: Type.Integer({ minimum: 100, maximum: 60_000, default: 500 }),
    /**
     * Who brings the service back: the drill with `control.start`, a supervisor (`bulwark up`
     * with `restart: always`, Kubernetes), or nobody. Default: control.start when the service
     * has one, else none.
     */
    restartedBy: Type.Optional(
      Type.Union([Type.Literal('control.start'), Type.Literal('supervisor'), Type.Literal('none')]),
    ),
    restartReadyWithinMs: Limit({ default: 60_000 }),
  },
  { additionalProperties: false },
);
export type DrillShutdownParamsValue = Static<typeof DrillShutdownParams>;

/** How long past maxMs the drill keeps watching, so a slow exit is measured, not just "over". */
const OVERRUN_MS = 10_000;
/** After the exit, how long the load's sockets get to report their closing. */
const SETTLE_MS = 1_000;
/** How long a service not ready at the start gets to become ready before the drill gives up. */
const READY_BEFORE_MS = 10_000;

/**
 * The shutdown drill: load on the service through a modelled load balancer (shutdown-load.ts),
 * then SIGTERM (to the process in `control.pidFile`, or through `control.stop`). It measures
 * the time until /ready answers 503, the requests that failed after the service had accepted
 * them, the drain of the requests in flight and the time to exit, against the params. Then the
 * service is brought back (`restartedBy`) and must answer /ready 200 again. A process that
 * ignores SIGTERM is left as it is: a drill does not escalate to SIGKILL behind the operator's
 * back.
 */
export const drillShutdownCheck: CheckPlugin<DrillShutdownParamsValue> = {
  id: 'drill.shutdown',
  description:
    'SIGTERM under load (control.pidFile or control.stop): /ready turns 503, no accepted request fails, exit within maxMs; brought back by control.start or a supervisor',
  params: DrillShutdownParams,
  scope: 'service',
  kinds: ['http', 'worker', 'ledger', 'tool-gate'],
  async run(params, ctx) {
    const target = serviceTarget('drill.shutdown', ctx);
    const control = target.service.control;
    const name = target.service.name;
    if (!control?.pidFile && !control?.stop) {
      return skipped(
        control
          ? `service ${name} has neither control.pidFile nor control.stop: nothing to signal (compose and Kubernetes drills come later)`
          : `service ${name} has no control section: nothing to signal`,
      );
    }
    const restartedBy = params.restartedBy ?? (control.start ? 'control.start' : 'none');
    if (restartedBy === 'control.start' && !control.start) {
      return skipped(`restartedBy is control.start, but service ${name} has no control.start`);
    }
    const how: Fault = control.pidFile
      ? { kind: 'signal', pidFile: resolve(ctx.planDir, control.pidFile) }
      : { kind: 'stop', command: control.stop as string };
    try {
      return await withCleanup((cleanup) =>
        drill({ target, ctx, params, how, restartedBy, start: control.start, cleanup }),
      );
    } catch (error) {
      if (error instanceof DrillTargetError) return { status: 'fail', summary: error.message };
      throw error;
    }
  },
};

type Fault = { kind: 'signal'; pidFile: string } | { kind: 'stop'; command: string };

interface DrillInput {
  readonly target: ServiceTarget;
  readonly ctx: CheckContext;
  readonly params: DrillShutdownParamsValue;
  readonly how: Fault;
  readonly restartedBy: 'control.start' | 'supervisor' | 'none';
  readonly start: string | undefined;
  readonly cleanup: DrillCleanup;
}

async function drill(input: DrillInput): Promise<CheckOutcome> {
  const { target, ctx, params, how, cleanup } = input;
  const pid = how.kind === 'signal' ? await readPidFile(how.pidFile) : undefined;
  const pidFigure: { pid?: number } = pid === undefined ? {} : { pid };
  const before = await readyBeforeDrill(target, READY_BEFORE_MS);
  if (before !== 200) {
    return {
      status: 'fail',
      summary: `not ready before the drill (/ready ${before} after ${READY_BEFORE_MS / 1000} s); nothing was signalled`,
      measurements: { ...(pid === undefined ? {} : { pid }) },
    };
  }
  const targetVersion = await targetVersionOf(target);
  const version = targetVersion === undefined ? {} : { targetVersion };

  const timeline = new ReadinessTimeline(target, PROCESS_POLL_MS);
  timeline.start();
  cleanup.add('stop polling /ready', () => timeline.stop());
  const load = new BalancedLoad({
    url: serviceUrl(target, params.path),
    connections: params.connections,
    timeoutMs: params.warmupMs + params.maxMs + OVERRUN_MS + params.restartReadyWithinMs,
  });
  cleanup.add('stop the load', async () => {
    await load.stop();
  });

  ctx.progress(`load on ${params.path} for ${params.warmupMs} ms`);
  await sleep(params.warmupMs, undefined, { signal: ctx.signal }).catch(() => undefined);
  if (ctx.signal.aborted) return aborted();
  if (load.answered2xx === 0) {
    const tally = await load.stop();
    return {
      status: 'fail',
      summary: `the load on ${params.path} got no 2xx answer in ${params.warmupMs} ms (${describeStatuses(tally)}); nothing was signalled`,
      measurements: { ...(pid === undefined ? {} : { pid }), requestsSent: tally.sent },
      ...version,
    };
  }

  // The fault. From here on, the cleanup brings the service back if the drill cannot.
  const zero = load.markFault();
  const until = zero + params.maxMs + OVERRUN_MS;
  let stopCommand: ReturnType<typeof runStopCommand> | undefined;
  if (pid !== undefined) {
    ctx.progress(`SIGTERM to process ${pid}`);
    sendSignal(pid, 'SIGTERM');
  } else if (how.kind === 'stop') {
    ctx.progress('control.stop');
    stopCommand = runStopCommand(how.command, ctx.planDir, zero, until);
    const running = stopCommand;
    cleanup.add('end control.stop', () => running.kill());
  }
  let restartRan = false;
  cleanup.add('start the service again', async () => {
    if (input.restartedBy !== 'control.start' || restartRan || !input.start) return;
    // Interrupted while it drains: let it finish its shutdown (within the drill's own bound),
    // then start it; one that never stops is still running, and nothing is started beside it.
    if (pid !== undefined && isRunning(pid)) {
      const gone = await waitForExit(pid, zero, until, new AbortController().signal);
      if (gone === undefined) return;
    }
    if (stopCommand && (await stopCommand.finished) === undefined) return;
    runServiceCommand('control.start', input.start, ctx.planDir);
  });
  // The balancer takes the instance out once /ready stops answering 200.
  void timeline.first((status) => status !== 200, zero, until).then(() => load.takeOut());

  const stopped =
    pid !== undefined
      ? { ms: await waitForExit(pid, zero, until, ctx.signal), code: 0 }
      : ((await stopCommand?.finished) ?? { ms: undefined, code: null });
  if (ctx.signal.aborted) return aborted();
  const exitAt = performance.now();
  load.takeOut();
  await settle(load, ctx.signal);
  const tally = await load.stop();

  let restart: RestartResult | undefined;
  if (stopped.ms !== undefined && input.restartedBy !== 'none') {
    let command: StartedCommand | undefined;
    const restartFrom = performance.now();
    if (input.restartedBy === 'control.start' && input.start) {
      ctx.progress('restarting with control.start');
      restartRan = true;
      command = runServiceCommand('control.start', input.start, ctx.planDir);
    } else {
      ctx.progress('waiting for the supervisor to restart it');
    }
    const since = input.restartedBy === 'supervisor' ? exitAt : restartFrom;
    const again = await awaitReadyAgain(
      timeline,
      since,
      since + params.restartReadyWithinMs,
      command,
      ctx.signal,
    );
    if (ctx.signal.aborted) return aborted();
    restart = {
      by: input.restartedBy,
      withinMs: params.restartReadyWithinMs,
      ...(again.answeredAt === undefined ? {} : { readyMs: round(again.answeredAt - since) }),
      ...(again.failure === undefined ? {} : { failure: again.failure }),
    };
  }
  await timeline.stop();

  const figures: ShutdownFigures = {
    fault: how.kind === 'signal' ? 'SIGTERM' : 'control.stop',
    ...pidFigure,
    exitMs: stopped.ms,
    stopCode: stopped.code,
    ...readinessFigures(timeline, zero),
    tally,
    restart,
    notRestarted:
      input.restartedBy === 'none' && input.start ? 'restartedBy: none' : 'no control.start',
  };
  return { ...judgeShutdown(figures, params, timeline, zero), ...version };
}

/** When /ready first stopped answering 200, and first answered 503, after the signal. */
function readinessFigures(
  timeline: ReadinessTimeline,
  zero: number,
): Pick<ShutdownFigures, 'readyStoppedMs' | 'readyFlipMs' | 'readyBeforeStop'> {
  const after = timeline.points.filter((p) => p.sentAt >= zero);
  const stopped = after.find((p) => p.status !== 200);
  const flipped = after.find((p) => p.status === 503);
  return {
    readyStoppedMs: stopped ? round(stopped.answeredAt - zero) : undefined,
    readyFlipMs: flipped ? round(flipped.answeredAt - zero) : undefined,
    readyBeforeStop: stopped?.status,
  };
}

/** Waits (briefly) until every socket of the load has reported its closing. */
async function settle(load: BalancedLoad, signal: AbortSignal): Promise<void> {
  const until = performance.now() + SETTLE_MS;
  while (load.openConnections > 0 && performance.now() < until && !signal.aborted) {
    await sleep(PROCESS_POLL_MS, undefined, { signal }).catch(() => undefined);
  }
}

function describeStatuses(tally: LoadTally): string {
  const statuses = Object.entries(tally.statuses).map(([status, n]) => `${n}× ${status}`);
  return statuses.length > 0 ? `answers: ${statuses.join(', ')}` : `${tally.sent} sent, no answer`;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
