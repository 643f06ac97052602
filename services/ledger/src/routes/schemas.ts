import { Type } from '@sinclair/typebox';

const Name = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$',
});
const Hex32 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const Seq = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const Size = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

export const AppendBody = Type.Object(
  { stream: Name, kind: Name, actor: Name, payload: Type.Unknown() },
  { additionalProperties: false },
);

export const AppendReply = Type.Object({ seq: Seq, entryHash: Hex32, time: Type.String() });

/** Most entries one batch may carry: the ledger's default group commit, one transaction. */
export const MAX_BATCH_ENTRIES = 1000;

export const BatchBody = Type.Object(
  {
    entries: Type.Array(AppendBody, { minItems: 1, maxItems: MAX_BATCH_ENTRIES }),
    /**
     * Append only if the newest entry of the batch's stream (all entries must share one) has
     * this seq, 0 when the stream is empty; otherwise 409 and nothing is appended. A writer
     * that resends after an uncertain failure sets it, so a late copy of the first send cannot
     * land a second time.
     */
    ifLastSeq: Type.Optional(Size),
  },
  { additionalProperties: false },
);

export const BatchReply = Type.Object({ first: Seq, last: Seq, lastEntryHash: Hex32 });

export const StreamParams = Type.Object({ stream: Name }, { additionalProperties: false });

export const ReadQuery = Type.Object(
  {
    from: Type.Optional(Seq),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    stream: Type.Optional(Name),
  },
  { additionalProperties: false },
);

export const VerifyQuery = Type.Object(
  {
    mode: Type.Optional(
      Type.Union([Type.Literal('full'), Type.Literal('incremental'), Type.Literal('range')]),
    ),
    from: Type.Optional(Seq),
    to: Type.Optional(Seq),
  },
  { additionalProperties: false },
);

export const CheckpointsQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
  { additionalProperties: false },
);

export const InclusionQuery = Type.Object(
  { seq: Seq, treeSize: Type.Optional(Seq) },
  { additionalProperties: false },
);

export const ConsistencyQuery = Type.Object(
  { from: Size, to: Type.Optional(Size) },
  { additionalProperties: false },
);
