import type { ArtifactInput, CheckOutcome, Measurements, SampleSeries } from '../check.js';
import { latencySeries } from '../live/evidence.js';
import type { StreamOutcome } from './kill-stream.js';
import type { WriteReadBack } from './kill-writes.js';
import { roundMs } from './process-signals.js';
import type { ReadinessTimeline } from './readiness-timeline.js';

/** What the kill drill saw, every time in ms from the SIGKILL. */
export interface KillFigures {
  readonly pid: number;
  /** The process the pid file names after the recovery, when it is a new one. */
  readonly newPid: number | undefined;
  readonly restartedBy: 'control.restart' | 'control.start' | 'supervisor';
  /** Until the killed process was gone. */
  readonly deathMs: number;
  /** Until /ready answered 200 again. */
  readonly readyMs?: number;
  readonly restartFailure?: string;
  readonly requests: readonly StreamOutcome[];
  /** Ticks of the stream that sent nothing because too many requests were unanswered. */
  readonly skippedTicks: number;
  readonly writes?: WriteReadBack;
}

export interface KillLimits {
  readonly readyWithinMs: number;
  readonly path: string;
  readonly maxLostRequests?: number;
  readonly maxLostWrites: number;
}

/**
 * How long past readyWithinMs the drill keeps watching, so a late recovery is measured and not
 * just "over": as long again, at most 10 s.
 */
export function overrunMs(readyWithinMs: number): number {
  return Math.min(readyWithinMs, 10_000);
}
/** Ids listed in the evidence, at most. */
const MAX_IDS = 1_000;
const MAX_REQUEST_ROWS = 20_000;

/** Pass or fail, one line: problems first, then the figures that held (recovery, requests, writes). */
export function judgeKill(
  figures: KillFigures,
  limits: KillLimits,
  timeline: ReadinessTimeline,
  zero: number,
): CheckOutcome {
  const problems: string[] = [];
  const held: string[] = [];
  const by = figures.restartedBy === 'supervisor' ? 'its supervisor' : figures.restartedBy;

  if (figures.readyMs === undefined) {
    problems.push(
      figures.restartFailure && figures.restartFailure !== 'aborted'
        ? `${figures.restartFailure}; not ready again`
        : `not ready again ${limits.readyWithinMs + overrunMs(limits.readyWithinMs)} ms after SIGKILL (limit ${limits.readyWithinMs} ms; restarted by ${by})`,
    );
  } else if (figures.readyMs > limits.readyWithinMs) {
    problems.push(
      `ready again ${figures.readyMs} ms after SIGKILL: over the ${limits.readyWithinMs} ms limit (restarted by ${by})`,
    );
  } else {
    const as = figures.newPid === undefined ? '' : ` as pid ${figures.newPid}`;
    held.push(
      `ready again ${figures.readyMs} ms after SIGKILL (limit ${limits.readyWithinMs} ms; restarted by ${by}${as})`,
    );
  }

  const lost = figures.requests.filter((r) => r.failure !== undefined).length;
  const lostText = `${lost} of ${figures.requests.length} requests on ${limits.path} lost meanwhile`;
  if (limits.maxLostRequests !== undefined && lost > limits.maxLostRequests) {
    problems.push(`${lostText} (limit ${limits.maxLostRequests})`);
  } else {
    held.push(
      limits.maxLostRequests === undefined
        ? lostText
        : `${lostText} (limit ${limits.maxLostRequests})`,
    );
  }

  const writes = figures.writes;
  if (writes) {
    const acked = `${writes.acknowledged.length} acknowledged, ${writes.acknowledgedBeforeFault} before the kill`;
    if (writes.lost.length > limits.maxLostWrites) {
      problems.push(
        `lost ${writes.lost.length} acknowledged write(s) (of ${acked}; limit ${limits.maxLostWrites})`,
      );
    }
    if (writes.unread.length > 0) {
      problems.push(
        `could not read back ${writes.unread.length} acknowledged write(s): not proven kept`,
      );
    }
    if (writes.lost.length <= limits.maxLostWrites && writes.unread.length === 0) {
      held.push(
        writes.lost.length === 0
          ? `all ${writes.acknowledged.length} acknowledged writes read back (${writes.acknowledgedBeforeFault} acknowledged before the kill)`
          : `${writes.lost.length} acknowledged write(s) lost (of ${acked}; limit ${limits.maxLostWrites})`,
      );
    }
  }

  return {
    status: problems.length === 0 ? 'pass' : 'fail',
    summary: [...problems, ...held].join('; '),
    measurements: measurements(figures, limits, zero, lost),
    samples: samples(figures, timeline, zero, limits.path),
    artifacts: artifacts(figures, timeline, zero),
  };
}

function measurements(
  figures: KillFigures,
  limits: KillLimits,
  zero: number,
  lost: number,
): Measurements {
  const m: Record<string, number | string | readonly string[]> = {
    pid: figures.pid,
    restartedBy: figures.restartedBy,
    readyWithinMs: limits.readyWithinMs,
    path: limits.path,
    deathMs: figures.deathMs,
    requestsSent: figures.requests.length,
    requestsAnswered: figures.requests.length - lost,
    requestsLost: lost,
    streamTicksSkipped: figures.skippedTicks,
  };
  if (figures.newPid !== undefined) m.newPid = figures.newPid;
  if (figures.readyMs !== undefined) m.readyMs = figures.readyMs;
  if (limits.maxLostRequests !== undefined) m.maxLostRequests = limits.maxLostRequests;
  const lostTimes = figures.requests
    .filter((r) => r.failure !== undefined)
    .map((r) => roundMs(r.sentAt - zero));
  if (lostTimes.length > 0) {
    // What users saw of the outage: from the first request lost to the last.
    m.firstLostSentMs = Math.min(...lostTimes);
    m.lastLostSentMs = Math.max(...lostTimes);
  }
  const writes = figures.writes;
  if (writes) {
    m.maxLostWrites = limits.maxLostWrites;
    m.writesAttempted = writes.attempted;
    m.writesAcknowledged = writes.acknowledged.length;
    m.writesAcknowledgedBeforeKill = writes.acknowledgedBeforeFault;
    m.writesLost = writes.lost.length;
    m.writesUnread = writes.unread.length;
    if (writes.lost.length > 0) m.lostWriteIds = writes.lost.slice(0, MAX_IDS);
  }
  return m;
}

function samples(
  figures: KillFigures,
  timeline: ReadinessTimeline,
  zero: number,
  path: string,
): SampleSeries[] {
  const answered = figures.requests.filter((r) => r.status !== undefined);
  const series: SampleSeries[] = [
    ...timeline.samples(zero),
    latencySeries(
      `requests ${path}: latency`,
      answered.map((r) => r.answeredAt - r.sentAt),
    ),
  ];
  const lost = figures.requests.filter((r) => r.failure !== undefined);
  if (lost.length > 0) {
    series.push({
      name: 'requests lost: ms from SIGKILL when sent',
      unit: 'ms',
      values: lost.map((r) => roundMs(r.sentAt - zero)),
    });
  }
  return series;
}

function artifacts(
  figures: KillFigures,
  timeline: ReadinessTimeline,
  zero: number,
): ArtifactInput[] {
  const rows = figures.requests
    .slice(0, MAX_REQUEST_ROWS)
    .map(
      (r) =>
        `${r.n},${roundMs(r.sentAt - zero)},${roundMs(r.answeredAt - zero)},${r.status ?? r.failure}`,
    );
  const list: ArtifactInput[] = [
    timeline.artifact(zero),
    {
      name: 'requests.csv',
      mediaType: 'text/csv',
      content: `n,sent_ms,answered_ms,status\n${rows.join('\n')}\n`,
    },
  ];
  const writes = figures.writes;
  if (writes) {
    list.push({
      name: 'writes.json',
      mediaType: 'application/json',
      content: `${JSON.stringify(
        {
          attempted: writes.attempted,
          acknowledgedBeforeKill: writes.acknowledgedBeforeFault,
          acknowledged: writes.acknowledged.slice(0, MAX_IDS),
          lost: writes.lost.slice(0, MAX_IDS),
          unread: writes.unread.slice(0, MAX_IDS),
        },
        null,
        2,
      )}\n`,
    });
  }
  return list;
}
