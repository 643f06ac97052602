import { SIGNATURE_FORMAT, type SignatureEnvelope } from '@bulwark/keys';
import { type Static, Type } from '@sinclair/typebox';
import type { ErrorObject } from 'ajv';

/**
 * The TypeBox shape of @bulwark/keys' SignatureEnvelope, shared by the two signed documents the
 * gate reads (policy bundles and mode transitions), so both refuse a mangled signature block as
 * `malformed` before any field of it is trusted.
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

/** Holds the schema and the keys package's interface together at compile time. */
const _sameShape: SignatureEnvelope = {} as Static<typeof SignatureEnvelopeSchema>;
void _sameShape;

/** The first schema error as `<json path> <what>`, for a one-sentence message. */
export function firstSchemaError(errors: ErrorObject[] | null | undefined): string {
  const error = errors?.[0];
  if (!error) return 'does not match its schema';
  const where = error.instancePath || '/';
  const allowed =
    error.keyword === 'const'
      ? ` ${JSON.stringify(error.params.allowedValue)}`
      : error.keyword === 'enum'
        ? ` (${(error.params.allowedValues as unknown[]).join(', ')})`
        : error.keyword === 'additionalProperties'
          ? ` (${String(error.params.additionalProperty)})`
          : '';
  return `${where} ${error.message ?? 'is invalid'}${allowed}`;
}
