import { SignatureEnvelopeSchema } from '@bulwark/keys';
import { type Static, Type } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

export const TRANSITION_FORMAT = 'bulwark.gate-transition/v1';

/** Bound into every operator signature, so a transition signature is good for nothing else. */
export const TRANSITION_PAYLOAD_TYPE = 'application/vnd.bulwark.gate-transition+json';

/**
 * What operators sign: the canonical JSON (RFC 8785) of this object. Every field is signed, so
 * none can be changed after approval; unknown fields are refused so nothing unsigned-looking
 * rides along in a signed body.
 */
export const TransitionBodySchema = Type.Object(
  {
    gate: Type.String({ minLength: 1, maxLength: 200 }),
    to: Type.String({ minLength: 1, maxLength: 64 }),
    reason: Type.String({ minLength: 1, maxLength: 2000 }),
    /** 128 random bits, hex: a transition is accepted once. */
    nonce: Type.String({ pattern: '^[0-9a-f]{32}$' }),
    /** Must exceed the gate's current counter: an older approved transition cannot be replayed. */
    counter: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    notBefore: Type.String({ format: 'date-time' }),
    expiresAt: Type.String({ format: 'date-time' }),
    requester: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);

export type TransitionBody = Static<typeof TransitionBodySchema>;

export const TransitionRequestSchema = Type.Object(
  {
    format: Type.Literal(TRANSITION_FORMAT),
    body: TransitionBodySchema,
    signatures: Type.Array(SignatureEnvelopeSchema, { maxItems: 32 }),
  },
  { additionalProperties: false },
);

export type TransitionRequest = Static<typeof TransitionRequestSchema>;

let compiled: ValidateFunction<TransitionRequest> | undefined;

/**
 * The request's validator, compiled on first use and kept: compiling it when the module loaded
 * cost every importer of @bulwark/gate tens of milliseconds, though only a transition needs it.
 */
export function transitionRequestValidator(): ValidateFunction<TransitionRequest> {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: false, strict: true });
    addFormats(ajv, ['date-time']);
    compiled = ajv.compile(TransitionRequestSchema);
  }
  return compiled;
}
