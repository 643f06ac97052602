import { PROBLEM_CONTENT_TYPE, ProblemSchema } from '@bulwark/kit';
// biome-ignore lint/correctness/noUnusedImports: named so tsc can emit this module's declarations (TS4023)
import type { Hint, Kind, OptionalKind, ReadonlyKind } from '@sinclair/typebox';
import { type Static, Type } from '@sinclair/typebox';

/** Most memories one write may carry: one ledger batch and one store transaction. */
export const MAX_BATCH = 100;
/** Longest content accepted, in characters: a memory is a fact, not a document. */
export const MAX_CONTENT_CHARS = 8_192;
/** Most results one search returns. */
export const MAX_K = 100;
/** The schema's vector(384): a vector given instead of text has exactly this many numbers. */
export const VECTOR_DIMENSIONS = 384;

const Uuid = Type.String({ format: 'uuid' });
const Time = Type.String({ format: 'date-time' });
const Hex32 = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256, hex.' });

/** No slash: a namespace is one path segment of /v1/namespaces/{namespace}/retention. */
export const Namespace = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:@+-]*$',
  description: 'Whose memories these are (an agent, a tenant): retention applies per namespace.',
});
const Subject = Type.String({
  minLength: 1,
  maxLength: 500,
  description: 'What the memory is about (a user, an entity).',
});
const Metadata = Type.Record(Type.String({ maxLength: 100 }), Type.Unknown(), {
  maxProperties: 32,
  description: 'Free-form fields kept with the memory and forgotten with its content.',
});
export const Vector = Type.Array(Type.Number(), {
  minItems: VECTOR_DIMENSIONS,
  maxItems: VECTOR_DIMENSIONS,
  description: `An embedding of ${VECTOR_DIMENSIONS} numbers.`,
});

export const NewMemory = Type.Object(
  {
    namespace: Namespace,
    subject: Subject,
    content: Type.String({ minLength: 1, maxLength: MAX_CONTENT_CHARS }),
    validFrom: Type.Optional({
      ...Time,
      description: 'When the fact began to hold (default now).',
    }),
    validTo: Type.Optional({ ...Time, description: 'When it stopped holding (default: open).' }),
    metadata: Type.Optional(Metadata),
    embedding: Type.Optional({
      ...Vector,
      description: 'The vector to store; without it the content is embedded by the service.',
    }),
  },
  { additionalProperties: false },
);
export type NewMemory = Static<typeof NewMemory>;

export const WriteBody = Type.Object(
  { memories: Type.Array(NewMemory, { minItems: 1, maxItems: MAX_BATCH }) },
  { additionalProperties: false },
);
export type WriteBody = Static<typeof WriteBody>;

const Provenance = Type.Object(
  {
    kind: Type.Literal('compression'),
    jobRunId: Type.String(),
    threshold: Type.Number({ description: 'The similarity the cluster was formed at.' }),
    originals: Type.Array(Type.Object({ id: Uuid, contentDigest: Hex32 })),
  },
  { description: 'The memories a compression run merged into this one.' },
);

export const Memory = Type.Object({
  id: Uuid,
  namespace: Type.String(),
  subject: Type.String(),
  content: Type.Union([Type.String(), Type.Null()], {
    description: 'Null once forgotten: only the tombstone and its digest remain.',
  }),
  contentDigest: Hex32,
  metadata: Type.Record(Type.String(), Type.Unknown()),
  validFrom: { ...Time, description: 'When the fact began to hold.' },
  validTo: Type.Union([Time, Type.Null()], { description: 'When it stopped holding.' }),
  recordedAt: { ...Time, description: 'When the service learned it.' },
  supersededAt: Type.Union([Time, Type.Null()], {
    description: 'When the service stopped holding it current.',
  }),
  supersededBy: Type.Union([Uuid, Type.Null()]),
  forgottenAt: Type.Union([Time, Type.Null()]),
  forgottenReason: Type.Union([Type.String(), Type.Null()]),
  state: Type.Union(
    [Type.Literal('current'), Type.Literal('superseded'), Type.Literal('forgotten')],
    { description: 'forgotten: a tombstone (content deleted, digest kept).' },
  ),
  provenance: Type.Union([Provenance, Type.Null()]),
});
export type Memory = Static<typeof Memory>;

export const WriteReply = Type.Object({
  memories: Type.Array(Memory, { description: 'The memories written, in the order sent.' }),
});

export const MemoryParams = Type.Object({ id: Uuid }, { additionalProperties: false });
export type MemoryParams = Static<typeof MemoryParams>;

export const SearchBody = Type.Object(
  {
    text: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_CONTENT_CHARS })),
    vector: Type.Optional(Vector),
    k: Type.Integer({ minimum: 1, maximum: MAX_K, default: 10 }),
    namespace: Type.Optional(Namespace),
    subject: Type.Optional(Subject),
    validAt: Type.Optional({ ...Time, description: 'Only facts that held at this time.' }),
    asOf: Type.Optional({
      ...Time,
      description: 'What the service knew at this time (superseded memories included).',
    }),
    includeSuperseded: Type.Optional(
      Type.Boolean({ description: 'Search history too (ignored with asOf).' }),
    ),
  },
  { additionalProperties: false, description: 'Exactly one of `text` and `vector`.' },
);
export type SearchBody = Static<typeof SearchBody>;

export const SearchReply = Type.Object({
  results: Type.Array(
    Type.Object({
      memory: Memory,
      similarity: Type.Number({ description: 'Cosine similarity to the query (1 - distance).' }),
      distance: Type.Number({
        description: "pgvector's cosine distance: 0 identical, 2 opposite.",
      }),
    }),
  ),
  strategy: Type.Union(
    [Type.Literal('index'), Type.Literal('exact'), Type.Literal('index+exact')],
    {
      description:
        'index: HNSW with iterative scans; index+exact: the index found fewer than k matching rows, so the exact scan answered.',
    },
  ),
});

export const SupersedeBody = Type.Object(
  {
    content: Type.String({ minLength: 1, maxLength: MAX_CONTENT_CHARS }),
    validFrom: Type.Optional({
      ...Time,
      description: 'When the new fact began to hold (default now); the old one ends then.',
    }),
    validTo: Type.Optional(Time),
    metadata: Type.Optional(Metadata),
    embedding: Type.Optional(Vector),
  },
  { additionalProperties: false },
);
export type SupersedeBody = Static<typeof SupersedeBody>;

export const SupersedeReply = Type.Object({ superseded: Memory, memory: Memory });

export const NamespaceParams = Type.Object({ ns: Namespace }, { additionalProperties: false });
export type NamespaceParams = Static<typeof NamespaceParams>;

export const RetentionPolicyBody = Type.Object(
  {
    maxAgeMs: Type.Union([Type.Integer({ minimum: 1, maximum: 3_153_600_000_000 }), Type.Null()], {
      default: null,
      description: 'Forget memories recorded longer ago than this (null: no limit).',
    }),
    maxCount: Type.Union([Type.Integer({ minimum: 1, maximum: 1_000_000_000 }), Type.Null()], {
      default: null,
      description: 'Keep at most this many current memories, the newest (null: no limit).',
    }),
    legalHold: Type.Boolean({
      default: false,
      description:
        'While on, nothing in the namespace is deleted: not by retention, not forgotten.',
    }),
  },
  { additionalProperties: false },
);
export type RetentionPolicyBody = Static<typeof RetentionPolicyBody>;

export const RetentionPolicy = Type.Object({
  namespace: Type.String(),
  maxAgeMs: Type.Union([Type.Integer(), Type.Null()]),
  maxCount: Type.Union([Type.Integer(), Type.Null()]),
  legalHold: Type.Boolean(),
});

export const JobName = Type.Union([Type.Literal('retention'), Type.Literal('compression')]);
export const JobParams = Type.Object({ job: JobName }, { additionalProperties: false });

export const JobRun = Type.Object({
  id: Type.String(),
  job: JobName,
  namespace: Type.Union([Type.String(), Type.Null()]),
  startedAt: Time,
  finishedAt: Time,
  outcome: Type.Union(
    [
      Type.Literal('committed'),
      Type.Literal('rolled_back'),
      Type.Literal('failed'),
      Type.Literal('skipped'),
    ],
    { description: 'rolled_back: recall fell below the threshold, so nothing changed.' },
  ),
  recallBefore: Type.Union([Type.Number(), Type.Null()], {
    description: 'recall@10 of the golden queries against exact search, before the change.',
  }),
  recallAfter: Type.Union([Type.Number(), Type.Null()], {
    description: 'The same, measured on the changed store in the same transaction.',
  }),
  threshold: Type.Number({ description: 'The minimum recall the run was held to.' }),
  affectedRows: Type.Integer({ minimum: 0, description: 'Memories forgotten or merged.' }),
  reason: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(Type.String(), Type.Unknown()),
});
export type JobRun = Static<typeof JobRun>;

export const JobRunReply = Type.Object({
  job: JobName,
  runs: Type.Array(JobRun, {
    description: 'One run per namespace, each committed or rolled back on its own.',
  }),
});

/** A route's own refusal, documented with the shared problem+json schema. */
export function problem(description: string) {
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } } };
}
