import { loadRolloutStatus, type RolloutKind, type RolloutRecord } from '@bulwark/config';
import type { Service } from '@bulwark/kit';
import { refusing, TransportRequiredError } from '../errors.js';
import { checkKnown, type RouteDeps } from './deps.js';
import {
  ConfigParams,
  problem,
  RolloutBody,
  RolloutParams,
  RolloutStatus,
  RolloutsQuery,
  RolloutsReply,
} from './schemas.js';
import { actorOf, SCOPES } from './scopes.js';

const ROLLOUT_REFUSALS = {
  404: problem('Not Found. `CONFIG_NOT_FOUND`: no such config, or no such version of it.'),
  409: problem(
    'Conflict. `CONFIG_ROLLOUT_CONFLICT`: a rollout of this config runs already (one at a time). `CONFIG_ROLLOUT_INVALID`: the instances run that version already, a revert that does not go back, no instance is known, or a stage plan that does not fit.',
  ),
  503: problem(
    'Unavailable. `CONFIG_NO_TRANSPORT`: the registry runs without a transport (set NATS_URL or a postgres:// URL). `BW_DEPENDENCY_UNAVAILABLE`: the ledger did not record it. `CONFIG_TRANSPORT_FAILED`: the transport refused.',
  ),
};

/** Rollouts: start one, revert to an earlier version, list a config's, read one's status. */
export function registerRolloutRoutes(service: Service, deps: RouteDeps): void {
  const { app } = service;

  // A revert is a rollout of an earlier version: the same body, answer and refusals.
  const starts = [
    {
      kind: 'rollout',
      path: '/v1/configs/:name/rollouts',
      summary: 'Roll a published version out, stage by stage',
      description:
        'Over the instances known now (Presence). Each stage is sent the version, must acknowledge it and stay healthy for the bake time; a refusal, a missing acknowledgement or a health regression reverts every instance that got it. Answers once the first stage was sent; follow it at GET /v1/rollouts/{id}.',
    },
    {
      kind: 'revert',
      path: '/v1/configs/:name/revert',
      summary: 'Go back to an earlier version, as a rollout',
      description:
        'The earlier version is rolled out like any other (stages, acknowledgements, bake), so going back is as careful as going forward; its history is kept.',
    },
  ] as const;
  for (const { kind, path, summary, description } of starts) {
    app.post<{ Params: ConfigParams; Body: RolloutBody }>(
      path,
      {
        schema: {
          summary,
          description,
          tags: ['rollouts'],
          params: ConfigParams,
          body: RolloutBody,
          response: { 202: RolloutStatus, ...ROLLOUT_REFUSALS },
        },
        config: { auth: SCOPES.configRollout },
      },
      async (request, reply) =>
        reply
          .code(202)
          .send(
            await startRollout(deps, kind, request.params.name, request.body, actorOf(request)),
          ),
    );
  }

  app.get<{ Params: ConfigParams; Querystring: RolloutsQuery }>(
    '/v1/configs/:name/rollouts',
    {
      schema: {
        summary: 'A config’s rollouts, newest first',
        tags: ['rollouts'],
        params: ConfigParams,
        querystring: RolloutsQuery,
        response: {
          200: RolloutsReply,
          404: problem('Not Found. `CONFIG_NOT_FOUND`: no config has that name.'),
        },
      },
      config: { auth: SCOPES.configRead },
    },
    async (request) => {
      const { name } = request.params;
      await checkKnown(deps, name);
      const rollouts = await deps.store.rollouts(name, request.query.limit);
      return { config: name, rollouts: rollouts.map(summaryOf) };
    },
  );

  app.get<{ Params: RolloutParams }>(
    '/v1/rollouts/:id',
    {
      schema: {
        summary: 'A rollout’s status: stage, state, each instance’s version and answers',
        description:
          '`mixed` says whether the instances run different versions (during a rollout, or after one that could not finish); `cause` says why it was reverted; `unconfirmed` lists instances that did not confirm the revert.',
        tags: ['rollouts'],
        params: RolloutParams,
        response: {
          200: RolloutStatus,
          404: problem('Not Found. `CONFIG_NOT_FOUND`: no rollout has that id.'),
        },
      },
      config: { auth: SCOPES.configRead },
    },
    async (request) =>
      refusing(() =>
        deps.engine === undefined
          ? loadRolloutStatus(deps.store, request.params.id)
          : deps.engine.status(request.params.id),
      ),
  );
}

/** Starts a rollout (or an operator's revert), recorded in the ledger before it is committed. */
async function startRollout(
  deps: RouteDeps,
  kind: RolloutKind,
  name: string,
  body: RolloutBody,
  actor: string,
) {
  await checkKnown(deps, name);
  const engine = deps.engine;
  if (engine === undefined) throw new TransportRequiredError();
  const { version, stages, bakeMs, ackTimeoutMs, healthIntervalMs, reason } = body;
  const status = await refusing(() =>
    engine.startRollout({
      config: name,
      version,
      kind,
      startedBy: actor,
      ...(stages === undefined ? {} : { stages }),
      ...(bakeMs === undefined ? {} : { bakeMs }),
      ...(ackTimeoutMs === undefined ? {} : { ackTimeoutMs }),
      ...(healthIntervalMs === undefined ? {} : { healthIntervalMs }),
      ...(reason === undefined ? {} : { reason }),
      beforeCommit: (rollout) =>
        deps.recorder.record([
          { kind: 'config.rollout.start', actor, payload: startPayload(rollout) },
        ]),
    }),
  );
  deps.monitor.changed();
  return status;
}

function startPayload(rollout: RolloutRecord): Record<string, unknown> {
  return {
    rolloutId: rollout.id,
    config: rollout.config,
    kind: rollout.kind,
    from: rollout.fromVersion,
    to: rollout.toVersion,
    stages: rollout.stages,
    bakeMs: rollout.bakeMs,
    ackTimeoutMs: rollout.ackTimeoutMs,
    ...(rollout.reason === null ? {} : { reason: rollout.reason }),
  };
}

function summaryOf(rollout: RolloutRecord) {
  return {
    id: rollout.id,
    config: rollout.config,
    kind: rollout.kind,
    state: rollout.state,
    stage: rollout.stage,
    stageCount: rollout.stages.length,
    fromVersion: rollout.fromVersion,
    toVersion: rollout.toVersion,
    startedAt: new Date(rollout.startedAt).toISOString(),
    finishedAt: rollout.finishedAt === null ? null : new Date(rollout.finishedAt).toISOString(),
    startedBy: rollout.startedBy,
    cause: rollout.cause,
  };
}
