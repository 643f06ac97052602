import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ENDPOINTS } from '@bulwark/kit/contract';
import { type Static, Type } from '@sinclair/typebox';
import type { CheckContext, CheckOutcome, CheckPlugin } from '../check.js';
import { type ServiceTarget, serviceTarget, targetVersionOf } from '../live/service-target.js';
import { aborted, skipped } from '../outcomes.js';
import { type DrillCleanup, withCleanup } from './cleanup.js';
import { RequestStream } from './kill-stream.js';
import { judgeKill, type KillFigures, overrunMs } from './kill-verdict.js';
import { AcknowledgedWrites, KillWrite } from './kill-writes.js';
import {
  DrillTargetError,
  isRunning,
  PROCESS_POLL_MS,
  readPidFile,
  roundMs,
  sendSignal,
  waitForExit,
} from './process-signals.js';
import { ReadinessTimeline, readyBeforeDrill } from './readiness-timeline.js';
import { awaitReadyAgain, runServiceCommand, type StartedCommand } from './service-commands.js';
import { serviceUrl } from './service-url.js';

export const DrillKillParams = Type.Object(
  {
    /** SIGKILL to the first /ready 200 of the service brought back. */
    readyWithinMs: Type.Number({ exclusiveMinimum: 0, maximum: 3_600_000, default: 30_000 }),
    /** What the steady request stream asks for (GET). */
    path: Type.String({ pattern: '^/', maxLength: 2000, default: ENDPOINTS.live }),
    /** One request every this many ms, answered or not. */
    everyMs: Type.Integer({ minimum: 1, maximum: 60_000, default: 20 }),
    /** Requests the drill may lose (no answer, connection errors); measured only when absent. */
    maxLostRequests: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000 })),
    /** The stream (and the writes) before the kill. */
    warmupMs: Type.Integer({ minimum: 100, maximum: 60_000, default: 300 }),
    /**
     * Who brings the service back: the drill with `control.restart` or `control.start`, or its
     * supervisor (`bulwark up` with a restart policy, compose, Kubernetes). Default: control.restart
     * when the service has one, else control.start, else the supervisor.
     */
    restartedBy: Type.Optional(
      Type.Union([
        Type.Literal('control.restart'),
        Type.Literal('control.start'),
        Type.Literal('supervisor'),
      ]),
    ),
    /** Writes sent through the kill; every acknowledged one must read back afterwards. */
    write: Type.Optional(KillWrite),
    maxLostWrites: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
  },
  { additionalProperties: false },
);
export type DrillKillParamsValue = Static<typeof DrillKillParams>;

/** A SIGKILLed process is gone at once; this bounds the wait for its parent to reap it. */
const DEATH_WAIT_MS = 5_000;
const STREAM_IN_FLIGHT = 64;
const STREAM_MAX_REQUESTS = 100_000;
/** How long a service not ready at the start gets to become ready before the drill gives up. */
const READY_BEFORE_MS = 10_000;

/**
 * The kill drill: a steady request stream (and, with `write`, writes) on the service, then
 * SIGKILL to the process in `control.pidFile`. It measures the time until /ready answers 200
 * again, from the service brought back by its supervisor or by the plan's restart command,
 * counts the requests lost meanwhile, and reads back every write the service acknowledged.
 */
export const drillKillCheck: CheckPlugin<DrillKillParamsValue> = {
  id: 'drill.kill',
  description:
    'SIGKILL the service (control.pidFile): /ready 200 again within readyWithinMs (supervisor, control.restart or control.start); requests lost meanwhile; no acknowledged write lost',
  params: DrillKillParams,
  scope: 'service',
  kinds: ['http', 'worker', 'ledger', 'tool-gate'],
  async run(params, ctx) {
    const target = serviceTarget('drill.kill', ctx);
    const control = target.service.control;
    const name = target.service.name;
    if (!control?.pidFile) {
      return skipped(
        control
          ? `service ${name} has no control.pidFile: drill.kill signals a local process (compose and Kubernetes drills come later)`
          : `service ${name} has no control section: nothing to kill`,
      );
    }
    const restartedBy =
      params.restartedBy ??
      (control.restart ? 'control.restart' : control.start ? 'control.start' : 'supervisor');
    const command =
      restartedBy === 'control.restart'
        ? control.restart
        : restartedBy === 'control.start'
          ? control.start
          : undefined;
    if (restartedBy !== 'supervisor' && !command) {
      return skipped(`restartedBy is ${restartedBy}, but service ${name} has no ${restartedBy}`);
    }
    const pidFile = resolve(ctx.planDir, control.pidFile);
    try {
      return await withCleanup((cleanup) =>
        drill({ target, ctx, params, pidFile, restartedBy, command, cleanup }),
      );
    } catch (error) {
      if (error instanceof DrillTargetError) return { status: 'fail', summary: error.message };
      throw error;
    }
  },
};

interface DrillInput {
  readonly target: ServiceTarget;
  readonly ctx: CheckContext;
  readonly params: DrillKillParamsValue;
  readonly pidFile: string;
  readonly restartedBy: 'control.restart' | 'control.start' | 'supervisor';
  readonly command: string | undefined;
  readonly cleanup: DrillCleanup;
}

async function drill(input: DrillInput): Promise<CheckOutcome> {
  const { target, ctx, params, cleanup } = input;
  const pid = await readPidFile(input.pidFile);
  const before = await readyBeforeDrill(target, READY_BEFORE_MS);
  if (before !== 200) {
    return {
      status: 'fail',
      summary: `not ready before the drill (/ready ${before} after ${READY_BEFORE_MS / 1000} s); nothing was killed`,
      measurements: { pid },
    };
  }
  const targetVersion = await targetVersionOf(target);
  const version = targetVersion === undefined ? {} : { targetVersion };

  const timeline = new ReadinessTimeline(target, PROCESS_POLL_MS);
  timeline.start();
  cleanup.add('stop polling /ready', () => timeline.stop());
  const url = serviceUrl(target, params.path);
  const stream = new RequestStream({
    intervalMs: params.everyMs,
    timeoutMs: ctx.timeoutMs,
    maxInFlight: STREAM_IN_FLIGHT,
    maxRequests: STREAM_MAX_REQUESTS,
    keepBodies: false,
    signal: ctx.signal,
    next: () => ({ method: 'GET', url }),
  });
  stream.start();
  cleanup.add('stop the request stream', async () => {
    await stream.stop();
  });
  const writes = params.write
    ? new AcknowledgedWrites(params.write, (path) => serviceUrl(target, path), {
        timeoutMs: ctx.timeoutMs,
        signal: ctx.signal,
      })
    : undefined;
  if (writes) {
    writes.start();
    cleanup.add('stop the writes', () => writes.stop());
  }

  ctx.progress(`requests on ${params.path} for ${params.warmupMs} ms`);
  await sleep(params.warmupMs, undefined, { signal: ctx.signal }).catch(() => undefined);
  if (ctx.signal.aborted) return aborted();
  const warm = performance.now();
  const answeredBefore = stream.outcomes.filter(
    (o) => o.status !== undefined && o.status < 300,
  ).length;
  const ackedBefore = writes?.acknowledgedBefore(warm) ?? 0;
  if (answeredBefore === 0 || (writes && ackedBefore === 0)) {
    const what =
      answeredBefore === 0
        ? `the request stream on ${params.path} got no 2xx answer`
        : `none of ${writes?.attempted} writes to ${params.write?.path} was acknowledged`;
    return {
      status: 'fail',
      summary: `${what} in ${params.warmupMs} ms; nothing was killed`,
      measurements: { pid, requestsSent: stream.sent },
      ...version,
    };
  }

  // The fault. From here on, the cleanup brings the service back if the drill cannot.
  ctx.progress(`SIGKILL to process ${pid}`);
  sendSignal(pid, 'SIGKILL');
  const zero = performance.now();
  let command: StartedCommand | undefined;
  cleanup.add('start the killed service again', () => {
    // Never beside a process that somehow survived: the command would only fight it for the port.
    if (command === undefined && input.command && !isRunning(pid)) {
      runServiceCommand(commandField(input.restartedBy), input.command, ctx.planDir);
    }
  });

  const deathMs = await waitForExit(pid, zero, zero + DEATH_WAIT_MS, ctx.signal);
  if (ctx.signal.aborted) return aborted();
  if (deathMs === undefined) {
    return {
      status: 'fail',
      summary: `process ${pid} still running ${DEATH_WAIT_MS} ms after SIGKILL`,
      measurements: { pid },
      ...version,
    };
  }
  const deathAt = performance.now();
  if (input.command) {
    ctx.progress(`restarting with ${input.restartedBy}`);
    command = runServiceCommand(commandField(input.restartedBy), input.command, ctx.planDir);
  } else {
    ctx.progress('waiting for the supervisor to restart it');
  }
  const again = await awaitReadyAgain(
    timeline,
    deathAt,
    zero + params.readyWithinMs + overrunMs(params.readyWithinMs),
    command,
    ctx.signal,
  );
  if (ctx.signal.aborted) return aborted();

  const outcomes = await stream.stop();
  const readBack = writes
    ? await writes.stopAndReadBack(target.client, zero, ctx.signal)
    : undefined;
  if (ctx.signal.aborted) return aborted();
  await timeline.stop();

  const figures: KillFigures = {
    pid,
    newPid: await newPidIn(input.pidFile, pid),
    restartedBy: input.restartedBy,
    deathMs,
    ...(again.answeredAt === undefined ? {} : { readyMs: roundMs(again.answeredAt - zero) }),
    ...(again.failure === undefined ? {} : { restartFailure: again.failure }),
    requests: outcomes,
    skippedTicks: stream.skipped,
    ...(readBack === undefined ? {} : { writes: readBack }),
  };
  return { ...judgeKill(figures, params, timeline, zero), ...version };
}

function commandField(by: DrillInput['restartedBy']): 'control.restart' | 'control.start' {
  return by === 'control.restart' ? 'control.restart' : 'control.start';
}

/** The process id the pid file names now, when it is another running process. */
async function newPidIn(pidFile: string, old: number): Promise<number | undefined> {
  try {
    const pid = await readPidFile(pidFile);
    return pid === old ? undefined : pid;
  } catch {
    return undefined;
  }
}
