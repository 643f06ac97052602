import type { ArtifactInput, CheckOutcome, Measurements, SampleSeries } from '../check.js';
import { latencySeries } from '../live/evidence.js';
import type { ReadinessTimeline } from './readiness-timeline.js';
import type { LoadTally } from './shutdown-load.js';

/** Where the service was brought back from, and how that went. */
export interface RestartResult {
  readonly by: 'control.start' | 'supervisor';
  readonly withinMs: number;
  /** Ms from the restart (control.start) or the exit (supervisor) to /ready 200. */
  readonly readyMs?: number;
  readonly failure?: string;
}

/** What the shutdown drill saw, every time in ms from the fault. */
export interface ShutdownFigures {
  readonly fault: 'SIGTERM' | 'control.stop';
  readonly pid?: number;
  /** To the exit (or control.stop's return); undefined when it had not by the deadline. */
  readonly exitMs: number | undefined;
  /** control.stop's exit code (0 for a signalled process). */
  readonly stopCode: number | null;
  /** The first /ready poll after the fault that was not 200, and what it was. */
  readonly readyStoppedMs: number | undefined;
  readonly readyBeforeStop: number | string | undefined;
  /** The first /ready 503 after the fault. */
  readonly readyFlipMs: number | undefined;
  readonly tally: LoadTally;
  readonly restart: RestartResult | undefined;
  /** Why nothing brought it back, when nothing was to. */
  readonly notRestarted: string;
}

export interface ShutdownLimits {
  readonly maxMs: number;
  readonly readyFlipWithinMs: number;
  readonly maxFailedAccepted: number;
  readonly path: string;
}

/** How long past maxMs the drill watched: said in the summary of a process that outlived it. */
const WATCHED_PAST_MS = 10_000;

/**
 * Pass or fail with a one-line summary: the problems first, then the figures that held, each in
 * the order things happen (readiness, requests, exit, restart).
 */
export function judgeShutdown(
  figures: ShutdownFigures,
  limits: ShutdownLimits,
  timeline: ReadinessTimeline,
  zero: number,
): CheckOutcome {
  const problems: string[] = [];
  const held: string[] = [];
  const fault = figures.fault;
  const { tally } = figures;

  if (figures.readyFlipMs === undefined) {
    const seen =
      figures.readyStoppedMs === undefined
        ? 'it answered 200 throughout'
        : `it answered 200 until it stopped answering (${figures.readyBeforeStop}) ${figures.readyStoppedMs} ms after it`;
    problems.push(`readiness did not flip: /ready never answered 503 after ${fault} (${seen})`);
  } else if (figures.readyFlipMs > limits.readyFlipWithinMs) {
    problems.push(
      `/ready answered 503 only ${figures.readyFlipMs} ms after ${fault} (limit ${limits.readyFlipWithinMs} ms)`,
    );
  } else {
    held.push(`/ready 503 after ${figures.readyFlipMs} ms (limit ${limits.readyFlipWithinMs} ms)`);
  }

  const failed = `${tally.failedAccepted} of ${tally.sent} requests on ${limits.path} failed after being accepted`;
  if (tally.failedAccepted > limits.maxFailedAccepted) {
    problems.push(`${failed} (${breakdown(tally)}; limit ${limits.maxFailedAccepted})`);
  } else {
    held.push(`${failed} (limit ${limits.maxFailedAccepted})`);
  }
  held.push(
    `${tally.inFlightAtFault} in flight at ${fault}${
      tally.lastAnswerMs === undefined ? '' : `, last answer ${tally.lastAnswerMs} ms after it`
    }`,
  );

  if (figures.exitMs === undefined) {
    const watched = limits.maxMs + WATCHED_PAST_MS;
    problems.push(
      fault === 'SIGTERM'
        ? `process ${figures.pid} still running ${watched} ms after SIGTERM (limit ${limits.maxMs} ms); left running`
        : `control.stop still running ${watched} ms after it was run (limit ${limits.maxMs} ms)`,
    );
  } else {
    const exited =
      fault === 'SIGTERM'
        ? `exited ${figures.exitMs} ms after SIGTERM`
        : `control.stop finished ${figures.exitMs} ms after it was run`;
    if (figures.stopCode !== 0) problems.push(`control.stop exited with code ${figures.stopCode}`);
    if (figures.exitMs > limits.maxMs)
      problems.push(`${exited}: over the ${limits.maxMs} ms limit`);
    else held.push(`${exited} (limit ${limits.maxMs} ms)`);
  }

  const restart = figures.restart;
  if (restart === undefined) {
    if (figures.exitMs !== undefined) held.push(`not restarted (${figures.notRestarted})`);
  } else if (restart.readyMs !== undefined && restart.readyMs <= restart.withinMs) {
    held.push(
      restart.by === 'supervisor'
        ? `restarted by its supervisor, ready again ${restart.readyMs} ms after the exit`
        : `restarted, ready again after ${restart.readyMs} ms`,
    );
  } else {
    problems.push(
      restart.failure ??
        `not ready again within ${restart.withinMs} ms of ${restart.by === 'supervisor' ? 'the exit (supervisor)' : 'control.start'}`,
    );
  }

  return {
    status: problems.length === 0 ? 'pass' : 'fail',
    summary: [...problems, ...held].join('; '),
    measurements: measurements(figures, limits),
    samples: samples(figures, timeline, zero, limits.path),
    artifacts: artifacts(figures, timeline, zero),
  };
}

function breakdown(tally: LoadTally): string {
  return Object.entries(tally.failedAcceptedBy)
    .filter(([, n]) => n > 0)
    .map(([why, n]) => `${why} ${n}`)
    .join(', ');
}

function measurements(figures: ShutdownFigures, limits: ShutdownLimits): Measurements {
  const { tally } = figures;
  const m: Record<string, number | string> = {
    fault: figures.fault,
    maxMs: limits.maxMs,
    readyFlipWithinMs: limits.readyFlipWithinMs,
    maxFailedAccepted: limits.maxFailedAccepted,
    path: limits.path,
    requestsSent: tally.sent,
    answered: tally.answered,
    answered2xx: tally.answered2xx,
    unavailable503: tally.unavailable,
    failedAccepted: tally.failedAccepted,
    failedReset: tally.failedAcceptedBy.reset,
    failedClosed: tally.failedAcceptedBy.closed,
    failed5xx: tally.failedAcceptedBy['5xx'],
    failedUnanswered: tally.failedAcceptedBy.unanswered,
    notAccepted: tally.notAccepted,
    inFlightAtSignal: tally.inFlightAtFault,
    answeredAfterSignal: tally.answeredAfterFault,
  };
  if (figures.pid !== undefined) m.pid = figures.pid;
  if (figures.exitMs !== undefined) m.exitMs = figures.exitMs;
  if (figures.readyStoppedMs !== undefined) m.readyStoppedMs = figures.readyStoppedMs;
  if (figures.readyFlipMs !== undefined) m.readyFlipMs = figures.readyFlipMs;
  if (tally.lastAnswerMs !== undefined) m.lastAnswerMs = tally.lastAnswerMs;
  if (tally.firstRefusedMs !== undefined) m.listenerClosedMs = tally.firstRefusedMs;
  // The drain: from the balancer taking the instance out to the last answer it still got.
  if (tally.lastAnswerMs !== undefined && figures.readyStoppedMs !== undefined) {
    m.drainMs = Math.max(0, Math.round((tally.lastAnswerMs - figures.readyStoppedMs) * 100) / 100);
  }
  if (figures.restart?.readyMs !== undefined) m.restartReadyMs = figures.restart.readyMs;
  return m;
}

function samples(
  figures: ShutdownFigures,
  timeline: ReadinessTimeline,
  zero: number,
  path: string,
): SampleSeries[] {
  const series = [
    ...timeline.samples(zero),
    latencySeries(`load ${path}: latency`, figures.tally.latencies),
  ];
  if (figures.tally.failedAtMs.length > 0) {
    series.push({
      name: 'failed after being accepted: ms from the signal',
      unit: 'ms',
      values: figures.tally.failedAtMs,
    });
  }
  return series;
}

function artifacts(
  figures: ShutdownFigures,
  timeline: ReadinessTimeline,
  zero: number,
): ArtifactInput[] {
  const { latencies: _kept, failedAtMs: _alsoKept, ...load } = figures.tally;
  return [
    timeline.artifact(zero),
    {
      name: 'load.json',
      mediaType: 'application/json',
      content: `${JSON.stringify(load, null, 2)}\n`,
    },
  ];
}
