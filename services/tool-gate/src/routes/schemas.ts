import { LEDGER_NAME_BYTES, LEDGER_NAME_PATTERN } from '@bulwark/gate';
import { Type } from '@sinclair/typebox';

const Name = Type.String({ minLength: 1, maxLength: 200 });

export const DecisionBody = Type.Object(
  {
    tool: Name,
    action: Name,
    // The subject is the decision's actor in the ledger, so it takes the ledger's name rules.
    subject: Type.String({
      minLength: 1,
      maxLength: LEDGER_NAME_BYTES,
      pattern: LEDGER_NAME_PATTERN,
    }),
    resource: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    args: Type.Optional(Type.Record(Type.String({ maxLength: 200 }), Type.Unknown())),
  },
  { additionalProperties: false },
);

export const DecisionReply = Type.Object({
  id: Type.String(),
  allow: Type.Boolean(),
  effect: Type.String(),
  reason: Type.String(),
  ruleId: Type.Optional(Type.String()),
  mode: Type.String(),
  policyVersion: Type.Integer(),
  policyDigest: Type.String(),
  counter: Type.Integer(),
  time: Type.String(),
});

export const EgressBody = Type.Object(
  {
    scheme: Type.Optional(
      Type.Union([
        Type.Literal('http'),
        Type.Literal('https'),
        Type.Literal('tcp'),
        Type.Literal('tls'),
      ]),
    ),
    host: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    address: Type.Optional(Type.String({ minLength: 2, maxLength: 45 })),
    port: Type.Integer({ minimum: 1, maximum: 65_535 }),
  },
  { additionalProperties: false },
);

/** A transition request or a bundle: validated in full by @bulwark/gate, which names the fault. */
export const SignedDocument = Type.Object({ format: Type.String({ maxLength: 100 }) });
