import { randomBytes } from 'node:crypto';
import { ENDPOINTS } from '@bulwark/kit/contract';
import type {
  ArtifactInput,
  CheckContext,
  CheckOutcome,
  CheckPlugin,
  Measurements,
} from '../check.js';
import { jsonArtifact } from '../live/evidence.js';
import { HttpProbeClient } from '../live/http.js';
import { type ServiceTarget, serviceTarget, targetVersionOf } from '../live/service-target.js';
import { aborted } from '../outcomes.js';
import { type DrillCleanup, withCleanup } from './cleanup.js';
import {
  type Acknowledged,
  type AcknowledgedVerdict,
  AcknowledgedWriteError,
  checkAcknowledged,
  writeAcknowledged,
} from './dependency-acknowledged.js';
import { type CommandResult, commandProblem, runCommand } from './dependency-command.js';
import {
  DrillDependencyParams,
  type DrillDependencyParamsValue,
  requestSpec,
} from './dependency-params.js';
import { sendOutageRequests } from './dependency-requests.js';
import { judgeOutage, type Marks } from './dependency-verdict.js';
import { ReadinessTimeline } from './readiness-timeline.js';

export { DrillDependencyParams, type DrillDependencyParamsValue } from './dependency-params.js';

const READY_BODY_LIMIT = 65_536;

/**
 * The dependency-outage drill: stop a dependency with the plan's command, and expect the service
 * to say so and survive it. /ready turns 503 within `readyFlipWithinMs` of the stop; requests
 * during the outage are answered within `failFastMs` with 503 in problem+json (not left hanging,
 * not a 500 with a stack); once `start` has run, /ready is 200 again within `recoverWithinMs`;
 * and with `acknowledged`, every write acknowledged before the outage is still there (for the
 * ledger: the chain verifies and every acknowledged entry is present with its hash).
 *
 * The undo step registered before the stop always runs `start` unless the drill's own start
 * succeeded, whatever ends the drill: a failed stop, a finding, a throw or Ctrl-C.
 */
export const drillDependencyCheck: CheckPlugin<DrillDependencyParamsValue> = {
  id: 'drill.dependency',
  description:
    'stop a dependency (plan commands): /ready turns 503, requests fail fast with 503 problem+json, ready again after start, nothing acknowledged lost',
  params: DrillDependencyParams,
  scope: 'service',
  kinds: ['http', 'worker', 'ledger', 'tool-gate'],
  async run(params, ctx) {
    const target = serviceTarget('drill.dependency', ctx);
    return withCleanup((cleanup) => drill(params, ctx, target, cleanup));
  },
};

async function drill(
  params: DrillDependencyParamsValue,
  ctx: CheckContext,
  target: ServiceTarget,
  cleanup: DrillCleanup,
): Promise<CheckOutcome> {
  const { dependency } = params;
  const before = await target.client.get(target.url(ENDPOINTS.ready), {
    maxBodyBytes: READY_BODY_LIMIT,
    signal: ctx.signal,
  });
  if (ctx.signal.aborted) return aborted();
  if (before.kind === 'failure' || before.status !== 200) {
    const seen = before.kind === 'failure' ? before.message : before.status;
    return fail(`not ready before the drill (/ready ${seen}); ${dependency} was not stopped`);
  }
  const targetVersion = await targetVersionOf(target);
  const version = targetVersion === undefined ? {} : { targetVersion };
  const http = {
    url: (path: string) => urlWithQuery(target, path),
    client: target.client,
    signal: ctx.signal,
  };
  const run = randomBytes(6).toString('hex');

  let written: Acknowledged[] = [];
  if (params.acknowledged) {
    ctx.progress('writing before the outage');
    try {
      written = await writeAcknowledged(params.acknowledged, run, http);
    } catch (error) {
      if (!(error instanceof AcknowledgedWriteError)) throw error;
      return fail(
        `before the outage, a write was not acknowledged (${error.message}); ${dependency} was not stopped`,
        version,
      );
    }
    if (ctx.signal.aborted) return aborted();
  }

  // Clients of the drill's own: a request hung on the outage must not hold up /ready's polling,
  // and the wait for an answer runs past failFastMs so a slow answer is measured, not cut off.
  const pollClient = new HttpProbeClient({ timeoutMs: ctx.timeoutMs });
  const outageClient = new HttpProbeClient({ timeoutMs: params.failFastMs * 2 + 1000 });
  const timeline = new ReadinessTimeline(
    { ...target, client: pollClient },
    params.sampleIntervalMs,
  );
  cleanup.add('close the readiness poll and request clients', async () => {
    await timeline.stop();
    await Promise.all([pollClient.close(), outageClient.close()]);
  });
  timeline.start();

  const commands: Array<{ readonly step: string } & CommandResult> = [];
  let restarted = false;
  const start = async (step: string) => {
    const result = await runCommand(params.start, ctx.planDir, params.commandTimeoutMs);
    commands.push({ step, ...result });
    if (result.ok) restarted = true;
    return result;
  };
  // Registered before the stop runs: a stop that fails halfway may still have stopped it.
  cleanup.add(`start ${dependency}`, async () => {
    if (restarted) return;
    ctx.progress(`starting ${dependency} again (undo)`);
    const result = await start('undo');
    if (!result.ok) throw new Error(commandProblem('start', result));
  });

  ctx.progress(`stopping ${dependency}`);
  const stopAt = performance.now();
  const stop = await runCommand(params.stop, ctx.planDir, params.commandTimeoutMs);
  commands.push({ step: 'stop', ...stop });
  const stopDoneAt = performance.now();
  const marks: Marks = { stopAt, stopDoneAt };
  if (ctx.signal.aborted) return aborted();
  if (!stop.ok) {
    return fail(`${dependency}: ${commandProblem('stop', stop)}`, version, {
      measurements: { dependency, stopCommandMs: stop.ms },
      artifacts: [jsonArtifact('commands.json', commands)],
    });
  }

  ctx.progress(`${dependency} stopped: waiting for /ready to turn 503`);
  const flip = await timeline.first(
    (status) => status !== 200,
    stopAt,
    stopDoneAt + params.readyFlipWithinMs,
  );
  if (ctx.signal.aborted) return aborted();
  if (flip) marks.flipAt = flip.answeredAt;

  ctx.progress(`${dependency} stopped: requests during the outage`);
  const answers = await sendOutageRequests(
    http.url,
    outageClient,
    params.requests.map(requestSpec),
    params.attempts,
    params.failFastMs,
    ctx.signal,
  );
  if (ctx.signal.aborted) return aborted();

  ctx.progress(`starting ${dependency}`);
  const startAt = performance.now();
  marks.startAt = startAt;
  const started = await start('start');
  marks.startDoneAt = performance.now();
  if (ctx.signal.aborted) return aborted();
  const recovered = started.ok
    ? await timeline.first((status) => status === 200, startAt, startAt + params.recoverWithinMs)
    : undefined;
  if (ctx.signal.aborted) return aborted();
  if (recovered) marks.recoveredAt = recovered.answeredAt;

  let acknowledged: AcknowledgedVerdict | undefined;
  if (params.acknowledged && recovered) {
    ctx.progress('reading back what was acknowledged');
    acknowledged = await checkAcknowledged(params.acknowledged, written, http);
    if (ctx.signal.aborted) return aborted();
  }
  await timeline.stop();

  return judgeOutage(params, {
    stop,
    started,
    flip,
    recovered,
    answers,
    acknowledged,
    marks,
    timeline,
    commands,
    version,
  });
}

/** The service's URL for a path that may carry a query string (`/v1/ledger/entries?from=4`). */
function urlWithQuery(target: ServiceTarget, path: string): URL {
  const query = path.indexOf('?');
  if (query < 0) return target.url(path);
  const url = target.url(path.slice(0, query));
  url.search = path.slice(query + 1);
  return url;
}

function fail(
  summary: string,
  version: { targetVersion?: string } = {},
  evidence: { measurements?: Measurements; artifacts?: ArtifactInput[] } = {},
): CheckOutcome {
  return { status: 'fail', summary, ...evidence, ...version };
}
