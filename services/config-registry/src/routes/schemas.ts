import { PROBLEM_CONTENT_TYPE, ProblemSchema } from '@bulwark/kit';
// biome-ignore lint/correctness/noUnusedImports: named so tsc can emit this module's declarations (TS4023)
import type { Hint, Kind, OptionalKind, ReadonlyKind } from '@sinclair/typebox';
import { type Static, Type } from '@sinclair/typebox';

/** Most versions or rollouts one page lists. */
export const MAX_PAGE = 100;
const DAY_MS = 86_400_000;

const Time = Type.String({ format: 'date-time' });
const Hex32 = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256, hex.' });
const Version = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
/** Version 0 is "no registry version": the instances' files and environment. */
const VersionOrZero = Type.Integer({ minimum: 0, maximum: 2_147_483_647 });

export const ConfigName = Type.String({
  pattern: '^[a-z][a-z0-9_-]{0,63}$',
  description: 'A config name: a-z, 0-9, _ and -, starting with a letter (`notifications`).',
});
const InstanceId = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$',
  description: 'An instance id, as its consumer announced it.',
});

export const ConfigParams = Type.Object({ name: ConfigName }, { additionalProperties: false });
export type ConfigParams = Static<typeof ConfigParams>;

export const VersionParams = Type.Object(
  { name: ConfigName, version: Version },
  { additionalProperties: false },
);
export type VersionParams = Static<typeof VersionParams>;

export const InstanceParams = Type.Object(
  { name: ConfigName, instance: InstanceId },
  { additionalProperties: false },
);
export type InstanceParams = Static<typeof InstanceParams>;

export const RolloutParams = Type.Object(
  { id: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);
export type RolloutParams = Static<typeof RolloutParams>;

const Message = Type.String({ minLength: 1, maxLength: 500 });

export const PublishBody = Type.Object(
  {
    document: Type.Record(Type.String(), Type.Unknown(), {
      description: `What this version sets; the schema defaults fill the rest. Secrets as \`\${secret:name}\` references, never values.`,
    }),
    schemaVersion: Type.Optional({
      ...Version,
      description: 'The schema version to validate against (default: the latest).',
    }),
    message: Type.Optional({ ...Message, description: 'Why this version (kept in history).' }),
  },
  { additionalProperties: false },
);
export type PublishBody = Static<typeof PublishBody>;

export const ConfigVersion = Type.Object({
  config: Type.String(),
  version: Type.Integer(),
  schemaVersion: Type.Integer(),
  document: Type.Record(Type.String(), Type.Unknown()),
  digest: Hex32,
  publishedAt: Time,
  publishedBy: Type.String(),
  message: Type.Optional(Type.String()),
});

export const VersionSummary = Type.Object({
  config: Type.String(),
  version: Type.Integer(),
  schemaVersion: Type.Integer(),
  digest: Hex32,
  publishedAt: Time,
  publishedBy: Type.String(),
  message: Type.Optional(Type.String()),
});

export const HistoryQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 20 }),
    before: Type.Optional({
      ...Version,
      description: 'Only versions older than this one (the previous page’s `next`).',
    }),
  },
  { additionalProperties: false },
);
export type HistoryQuery = Static<typeof HistoryQuery>;

export const HistoryReply = Type.Object({
  config: Type.String(),
  versions: Type.Array(VersionSummary, { description: 'Newest first.' }),
  next: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Pass as `before` for the next page; null on the last one.',
  }),
});

export const DiffQuery = Type.Object(
  {
    from: { ...VersionOrZero, description: 'The older version (0: the empty document).' },
    to: Version,
  },
  { additionalProperties: false },
);
export type DiffQuery = Static<typeof DiffQuery>;

export const DiffReply = Type.Object({
  config: Type.String(),
  from: Type.Integer(),
  to: Type.Integer(),
  changes: Type.Array(
    Type.Object({
      op: Type.Union([Type.Literal('add'), Type.Literal('remove'), Type.Literal('replace')]),
      path: Type.String({ description: 'A JSON pointer (RFC 6901) into the document.' }),
      oldValue: Type.Optional(Type.Unknown()),
      value: Type.Optional(Type.Unknown()),
    }),
    {
      description:
        'Key by key in sorted order; a scalar or an array that differs is replaced whole.',
    },
  ),
});

const StageSize = Type.Union(
  [
    Type.Object(
      { count: Type.Integer({ minimum: 1, maximum: 1_000_000 }) },
      { additionalProperties: false },
    ),
    Type.Object(
      { share: Type.Number({ exclusiveMinimum: 0, maximum: 1 }) },
      { additionalProperties: false },
    ),
  ],
  {
    description:
      'How far a stage reaches, counting earlier stages: `{count: 1}` one instance, `{share: 0.5}` half of them.',
  },
);

export const RolloutBody = Type.Object(
  {
    version: Version,
    stages: Type.Optional(
      Type.Array(StageSize, {
        minItems: 1,
        maxItems: 20,
        description:
          'Default: one instance, then half, then all. The last stage always reaches every instance.',
      }),
    ),
    bakeMs: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: DAY_MS,
        description: 'How long a stage must stay healthy before the next one.',
      }),
    ),
    ackTimeoutMs: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: DAY_MS,
        description: 'How long a stage’s instances have to acknowledge before it is reverted.',
      }),
    ),
    healthIntervalMs: Type.Optional(Type.Integer({ minimum: 1, maximum: DAY_MS })),
    reason: Type.Optional({ ...Message, description: 'What the rollout is for.' }),
  },
  { additionalProperties: false },
);
export type RolloutBody = Static<typeof RolloutBody>;

const AckStatus = Type.Object({
  result: Type.Union([
    Type.Literal('applied'),
    Type.Literal('restarting'),
    Type.Literal('refused'),
  ]),
  reason: Type.Optional(Type.String()),
  at: Time,
  confirmed: Type.Boolean({
    description: '`applied`, or `restarting` and back at the version since.',
  }),
});

const RolloutState = Type.Union([
  Type.Literal('running'),
  Type.Literal('reverting'),
  Type.Literal('completed'),
  Type.Literal('reverted'),
]);
const RolloutPhase = Type.Union([Type.Literal('acks'), Type.Literal('bake'), Type.Literal('done')]);

export const RolloutStatus = Type.Object({
  id: Type.String({ format: 'uuid' }),
  config: Type.String(),
  kind: Type.Union([Type.Literal('rollout'), Type.Literal('revert')]),
  state: RolloutState,
  phase: RolloutPhase,
  stage: Type.Integer({ description: '0-based; after a failure, the stage that failed.' }),
  stageCount: Type.Integer(),
  fromVersion: Type.Integer({ description: 'What a failure reverts to (0: no version).' }),
  toVersion: Type.Integer(),
  bakeMs: Type.Integer(),
  ackTimeoutMs: Type.Integer(),
  deadline: Type.Union([Time, Type.Null()]),
  startedAt: Time,
  updatedAt: Time,
  finishedAt: Type.Union([Time, Type.Null()]),
  startedBy: Type.String(),
  reason: Type.Union([Type.String(), Type.Null()]),
  cause: Type.Union([Type.String(), Type.Null()], {
    description: 'Why it was reverted: one line naming the instance and what happened.',
  }),
  instances: Type.Array(
    Type.Object({
      instance: Type.String(),
      stage: Type.Integer(),
      sent: Type.Boolean({ description: 'Whether the new version was sent to it.' }),
      version: Type.Union([Type.Integer(), Type.Null()], {
        description: 'The version it last reported running.',
      }),
      ack: Type.Union([AckStatus, Type.Null()]),
      revert: Type.Union([AckStatus, Type.Null()]),
      health: Type.Optional(
        Type.Object({ green: Type.Boolean(), detail: Type.String(), at: Time }),
      ),
    }),
  ),
  mixed: Type.Boolean({ description: 'The instances do not all run one version.' }),
  versions: Type.Record(Type.String(), Type.Integer(), {
    description: 'How many instances run each version.',
  }),
  unconfirmed: Type.Array(Type.String(), {
    description: 'After a revert: instances that did not confirm the old version.',
  }),
});

export const RolloutsQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 20 }) },
  { additionalProperties: false },
);
export type RolloutsQuery = Static<typeof RolloutsQuery>;

export const RolloutSummary = Type.Object({
  id: Type.String({ format: 'uuid' }),
  config: Type.String(),
  kind: Type.Union([Type.Literal('rollout'), Type.Literal('revert')]),
  state: RolloutState,
  stage: Type.Integer(),
  stageCount: Type.Integer(),
  fromVersion: Type.Integer(),
  toVersion: Type.Integer(),
  startedAt: Time,
  finishedAt: Type.Union([Time, Type.Null()]),
  startedBy: Type.String(),
  cause: Type.Union([Type.String(), Type.Null()]),
});

export const RolloutsReply = Type.Object({
  config: Type.String(),
  rollouts: Type.Array(RolloutSummary, { description: 'Newest first.' }),
});

export const Instance = Type.Object({
  instance: Type.String(),
  version: Type.Integer({ description: 'As it last reported (0: its files and environment).' }),
  healthUrl: Type.Union([Type.String(), Type.Null()]),
  lastSeen: Time,
});

export const InstancesReply = Type.Object({
  config: Type.String(),
  instances: Type.Array(Instance),
  mixed: Type.Boolean({ description: 'The instances do not all run one version.' }),
  versions: Type.Record(Type.String(), Type.Integer()),
});

export const ConfigSummary = Type.Object({
  config: Type.String(),
  schemaVersions: Type.Array(Type.Integer(), {
    description: 'The schema versions this registry validates the config against.',
  }),
  latestVersion: Type.Integer({ description: '0: nothing published yet.' }),
  currentVersion: Type.Integer({
    description: 'What its latest completed rollout left the instances on (0: none yet).',
  }),
  rollout: Type.Union([
    Type.Object({
      id: Type.String({ format: 'uuid' }),
      state: RolloutState,
      phase: RolloutPhase,
      stage: Type.Integer(),
      stageCount: Type.Integer(),
      toVersion: Type.Integer(),
      cause: Type.Union([Type.String(), Type.Null()]),
    }),
    Type.Null(),
  ]),
  instances: Type.Integer(),
  mixed: Type.Boolean(),
});

export const ConfigsReply = Type.Object({ configs: Type.Array(ConfigSummary) });

/** A route's own refusal, documented with the shared problem+json schema. */
export function problem(description: string) {
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } } };
}
