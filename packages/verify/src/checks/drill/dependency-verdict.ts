import type { CheckOutcome, Measurements } from '../check.js';
import { jsonArtifact, latencySeries } from '../live/evidence.js';
import type { AcknowledgedVerdict } from './dependency-acknowledged.js';
import { type CommandResult, commandProblem } from './dependency-command.js';
import type { DrillDependencyParamsValue } from './dependency-params.js';
import type { OutageAnswer } from './dependency-requests.js';
import { roundMs } from './process-signals.js';
import type { ReadinessPoint, ReadinessTimeline } from './readiness-timeline.js';

/** When each phase began and ended (performance.now() times). */
export interface Marks {
  stopAt: number;
  stopDoneAt: number;
  flipAt?: number;
  startAt?: number;
  startDoneAt?: number;
  recoveredAt?: number;
}

export interface Observed {
  readonly stop: CommandResult;
  readonly started: CommandResult;
  readonly flip: ReadinessPoint | undefined;
  readonly recovered: ReadinessPoint | undefined;
  readonly answers: readonly OutageAnswer[];
  readonly acknowledged: AcknowledgedVerdict | undefined;
  readonly marks: Marks;
  readonly timeline: ReadinessTimeline;
  readonly commands: readonly unknown[];
  readonly version: { targetVersion?: string };
}

/** Every expectation against its figure; the summary names each figure and its limit. */
export function judgeOutage(params: DrillDependencyParamsValue, seen: Observed): CheckOutcome {
  const { dependency, readyFlipWithinMs, failFastMs, recoverWithinMs } = params;
  const problems: string[] = [];
  const figures: Record<string, Measurements[string]> = {
    dependency,
    stopCommandMs: seen.stop.ms,
    startCommandMs: seen.started.ms,
    readyFlipWithinMs,
    failFastMs,
    recoverWithinMs,
  };

  let flipText = '';
  if (!seen.flip) {
    problems.push(
      `/ready still 200 ${readyFlipWithinMs} ms after the stop (limit ${readyFlipWithinMs} ms)`,
    );
  } else {
    // From the end of the stop command; 0 when /ready turned while the command still ran.
    const readyFlipMs = roundMs(Math.max(0, seen.flip.answeredAt - seen.marks.stopDoneAt));
    figures.readyFlipMs = readyFlipMs;
    figures.readyFlipStatus = seen.flip.status;
    if (seen.flip.status !== 503) {
      const what =
        typeof seen.flip.status === 'number' ? seen.flip.status : `no answer (${seen.flip.status})`;
      problems.push(`/ready answered ${what} instead of 503 after the stop`);
    }
    flipText = `/ready 503 after ${readyFlipMs} ms (limit ${readyFlipWithinMs} ms)`;
  }

  const slowest = Math.max(0, ...seen.answers.map((a) => a.ms));
  const failedWell = seen.answers.filter((a) => a.problems.length === 0).length;
  figures.outageRequests = seen.answers.length;
  figures.outageFailedFast = failedWell;
  figures.failFastMaxMs = roundMs(slowest);
  figures.outageHung = seen.answers.some((a) => a.hung);
  const firstBad = seen.answers.find((a) => a.problems.length > 0);
  if (seen.answers.length === 0) problems.push('no request was answered during the outage');
  else if (firstBad) {
    const others = seen.answers.length - failedWell - 1;
    problems.push(
      `${firstBad.request}: ${firstBad.problems.join(', ')}${others > 0 ? ` (and ${others} more)` : ''}`,
    );
  }

  let recoverText = '';
  if (!seen.started.ok) problems.push(commandProblem('start', seen.started));
  else if (!seen.recovered) {
    problems.push(`/ready not 200 within ${recoverWithinMs} ms of the start command`);
  } else {
    const recoverMs = roundMs(seen.recovered.answeredAt - (seen.marks.startAt ?? 0));
    figures.recoverMs = recoverMs;
    recoverText = `ready again ${recoverMs} ms after start (limit ${recoverWithinMs} ms)`;
  }

  let ackText = '';
  if (params.acknowledged) {
    if (!seen.acknowledged)
      problems.push('acknowledged writes not checked: the service did not recover');
    else {
      Object.assign(figures, seen.acknowledged.measurements);
      problems.push(...seen.acknowledged.problems);
      const n = seen.acknowledged.measurements.acknowledged;
      ackText =
        params.acknowledged.mode === 'ledger'
          ? `all ${n} acknowledged entries present, chain valid`
          : `all ${n} acknowledged writes read back`;
    }
  }

  // The fault is the stop command: the timeline and its phase marks are ms from it.
  const zero = seen.marks.stopAt;
  figures.readinessPolls = seen.timeline.points.length;
  for (const [mark, at] of Object.entries(seen.marks)) {
    if (mark !== 'stopAt') figures[`timeline.${mark.replace(/At$/, '')}Ms`] = roundMs(at - zero);
  }
  const evidence = {
    measurements: figures,
    samples: [
      latencySeries(
        'outage requests',
        seen.answers.map((a) => a.ms),
      ),
      ...seen.timeline.samples(zero),
    ],
    artifacts: [
      seen.timeline.artifact(zero),
      jsonArtifact('outage-answers.json', seen.answers),
      jsonArtifact('commands.json', seen.commands),
      ...(seen.acknowledged?.artifacts ?? []),
    ],
    ...seen.version,
  };
  if (problems.length > 0) {
    return { status: 'fail', summary: `${dependency} outage: ${problems.join('; ')}`, ...evidence };
  }
  const requests = `${seen.answers.length} requests answered 503 in at most ${roundMs(slowest)} ms (limit ${failFastMs} ms)`;
  return {
    status: 'pass',
    summary: `${dependency} outage: ${[flipText, requests, recoverText, ackText].filter(Boolean).join('; ')}`,
    ...evidence,
  };
}
