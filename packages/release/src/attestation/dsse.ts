import { preAuthEncoding, type Signer, type Verifier } from '@bulwark/keys';
import { Type } from '@sinclair/typebox';
import { shapeChecker } from './in-toto.js';

/**
 * A DSSE envelope (github.com/secure-systems-lab/dsse), the form in-toto attestations travel in:
 * cosign, the in-toto tools and SLSA verifiers read it as is. Built here by hand because it is a
 * JSON object and the PAE @bulwark/keys already has; a DSSE library would bring its own key
 * handling, and signing must go through a Signer (audited, HSM-capable).
 */
export interface DsseEnvelope {
  readonly payloadType: string;
  /** Base64 of the exact signed bytes. */
  readonly payload: string;
  readonly signatures: readonly { readonly keyid: string; readonly sig: string }[];
}

// DSSE accepts standard and URL-safe base64; Node's decoder reads both.
const BASE64 = '^[A-Za-z0-9+/_-]*={0,2}$';
const checkEnvelopeShape = shapeChecker(
  Type.Object({
    payloadType: Type.String({ minLength: 1, maxLength: 256 }),
    payload: Type.String({ pattern: BASE64 }),
    signatures: Type.Array(
      Type.Object({
        keyid: Type.String({ minLength: 1, maxLength: 200 }),
        sig: Type.String({ minLength: 1, maxLength: 1024, pattern: BASE64 }),
      }),
      { minItems: 1, maxItems: 16 },
    ),
  }),
);

/** Signs `payload` (the exact bytes) through `signer`, which records the signature first. */
export async function signDsse(
  signer: Signer,
  payloadType: string,
  payload: Uint8Array,
  purpose: string,
): Promise<DsseEnvelope> {
  const sig = await signer.sign(preAuthEncoding(payloadType, payload), purpose);
  return {
    payloadType,
    payload: Buffer.from(payload).toString('base64'),
    signatures: [{ keyid: signer.keyId, sig: Buffer.from(sig).toString('base64') }],
  };
}

export type OpenedEnvelope =
  | { readonly ok: true; readonly envelope: DsseEnvelope; readonly payload: Uint8Array }
  | { readonly ok: false; readonly problem: string };

/** Parses envelope text (one JSON document) and decodes its payload; never throws. */
export function openDsse(text: string, expectedType: string): OpenedEnvelope {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'is not JSON' };
  }
  const shape = checkEnvelopeShape(value);
  if (!shape.ok) return { ok: false, problem: `is not a DSSE envelope: ${shape.problem}` };
  const envelope = shape.value;
  if (envelope.payloadType !== expectedType) {
    return {
      ok: false,
      problem: `has payload type ${envelope.payloadType}, not ${expectedType}`,
    };
  }
  return { ok: true, envelope, payload: new Uint8Array(Buffer.from(envelope.payload, 'base64')) };
}

export type DsseSignatureCheck =
  | { readonly ok: true; readonly keyId: string }
  | {
      readonly ok: false;
      readonly code: 'untrusted-key' | 'bad-signature';
      readonly keyIds: string[];
    };

/**
 * The first signature by a key `keys` holds that verifies over PAE(payloadType, payload). Keys
 * it does not hold are skipped, so a co-signature by someone else's key never blocks.
 */
export function verifyDsse(
  envelope: DsseEnvelope,
  payload: Uint8Array,
  keys: Verifier,
): DsseSignatureCheck {
  const pae = preAuthEncoding(envelope.payloadType, payload);
  const trusted = envelope.signatures.filter((s) => keys.has(s.keyid));
  for (const { keyid, sig } of trusted) {
    if (keys.verify(keyid, pae, Buffer.from(sig, 'base64'))) return { ok: true, keyId: keyid };
  }
  return trusted.length === 0
    ? { ok: false, code: 'untrusted-key', keyIds: envelope.signatures.map((s) => s.keyid) }
    : { ok: false, code: 'bad-signature', keyIds: trusted.map((s) => s.keyid) };
}
