import { SignatureEnvelopeSchema } from '@bulwark/keys';
import { type Static, Type } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';

export const BUNDLE_FORMAT = 'bulwark.policy-bundle/v1';

/**
 * The payload type every bundle signature binds (DSSE pre-authentication), so a signature over a
 * policy cannot be replayed as a mode transition or an evidence bundle, nor the other way round.
 */
export const BUNDLE_PAYLOAD_TYPE = 'application/vnd.bulwark.policy';

/** A bundle larger than this is refused before it is decoded (a policy is kilobytes). */
export const MAX_BUNDLE_BYTES = 4 * 1024 * 1024;

/**
 * The signed bundle as written to disk or posted to the gate: the policy's exact bytes (YAML or
 * JSON, base64) and detached signatures over them. Signing the bytes rather than a re-serialized
 * document means what was reviewed is byte for byte what is verified and installed.
 */
export const SignedBundleSchema = Type.Object(
  {
    format: Type.Literal(BUNDLE_FORMAT),
    payload: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9+/]*={0,2}$' }),
    signatures: Type.Array(SignatureEnvelopeSchema, { maxItems: 16 }),
  },
  { additionalProperties: false },
);

export type SignedBundle = Static<typeof SignedBundleSchema>;

let compiled: ValidateFunction<SignedBundle> | undefined;

/**
 * The bundle's validator, compiled on first use and kept: compiling it when the module loaded
 * cost every importer of @bulwark/gate tens of milliseconds, though only opening a bundle needs it.
 */
export function signedBundleValidator(): ValidateFunction<SignedBundle> {
  compiled ??= new Ajv({ allErrors: false, strict: true }).compile(SignedBundleSchema);
  return compiled;
}
