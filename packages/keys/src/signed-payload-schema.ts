import { type Static, Type } from '@sinclair/typebox';
import { SIGNATURE_FORMAT, type SignatureEnvelope } from './signed-payload.js';

/**
 * The TypeBox shape of a SignatureEnvelope, for every document that carries one (evidence
 * bundles, attestations, policy bundles, mode transitions), so each refuses a mangled signature
 * block as malformed before any field of it is trusted.
 */
export const SignatureEnvelopeSchema = Type.Object(
  {
    format: Type.Literal(SIGNATURE_FORMAT),
    payloadType: Type.String({ minLength: 1, maxLength: 200 }),
    payloadSha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    keyId: Type.String({ minLength: 1, maxLength: 200 }),
    algorithm: Type.Literal('Ed25519'),
    signature: Type.String({ minLength: 1, maxLength: 200 }),
    signedAt: Type.String({ minLength: 1, maxLength: 64 }),
  },
  { additionalProperties: false },
);

/** Holds the schema and the interface together at compile time. */
const _sameShape: SignatureEnvelope = {} as Static<typeof SignatureEnvelopeSchema>;
void _sameShape;
