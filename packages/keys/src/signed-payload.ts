import { createHash } from 'node:crypto';
import type { Signer, Verifier } from './signer.js';

/**
 * A detached signature over exact payload bytes, DSSE-style: the signed bytes bind the payload
 * type, so a signature over one kind of document (an attestation, a policy bundle, a mode
 * transition) cannot be presented as another (an evidence bundle). Shared by every signed
 * document in Bulwark; each names its own payload type.
 */
export const SIGNATURE_FORMAT = 'bulwark.signature/v1';

export interface SignatureEnvelope {
  readonly format: typeof SIGNATURE_FORMAT;
  readonly payloadType: string;
  /** SHA-256 of the payload bytes, hex. */
  readonly payloadSha256: string;
  readonly keyId: string;
  readonly algorithm: 'Ed25519';
  /** Base64. */
  readonly signature: string;
  readonly signedAt: string;
}

/**
 * DSSE's pre-authentication encoding: "DSSEv1" SP len(type) SP type SP len(body) SP body, lengths
 * in ASCII decimal bytes. Binding the payload type into the signed bytes stops a signature over
 * one kind of document (an attestation) being presented as another (an evidence bundle). Written
 * here because it is five lines; a DSSE library would bring its own key handling, and signing
 * must go through a KeyProvider's Signer (audited, HSM-capable).
 */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = Buffer.from(payloadType, 'utf8');
  const header = Buffer.from(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `, 'utf8');
  return Buffer.concat([header, payload]);
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Signs `payload` (the exact bytes written to disk) through `signer`; the audit record comes first. */
export async function signPayload(
  signer: Signer,
  payloadType: string,
  payload: Uint8Array,
  purpose: string,
  now: Date = new Date(),
): Promise<SignatureEnvelope> {
  const signature = await signer.sign(preAuthEncoding(payloadType, payload), purpose);
  return {
    format: SIGNATURE_FORMAT,
    payloadType,
    payloadSha256: sha256Hex(payload),
    keyId: signer.keyId,
    algorithm: 'Ed25519',
    signature: Buffer.from(signature).toString('base64'),
    signedAt: now.toISOString(),
  };
}

export type SignatureCheck =
  | { readonly ok: true; readonly keyId: string }
  | {
      readonly ok: false;
      readonly code:
        | 'unknown-key'
        | 'bad-signature'
        | 'digest-mismatch'
        | 'wrong-type'
        | 'malformed';
      readonly message: string;
    };

/** Checks an envelope against the payload bytes and a keyring; never throws for bad input. */
export function verifyPayload(
  envelope: unknown,
  payload: Uint8Array,
  expectedType: string,
  keyring: Verifier,
): SignatureCheck {
  if (!isEnvelope(envelope)) {
    return { ok: false, code: 'malformed', message: `not a ${SIGNATURE_FORMAT} signature` };
  }
  if (envelope.payloadType !== expectedType) {
    return {
      ok: false,
      code: 'wrong-type',
      message: `signature is for ${envelope.payloadType}, not ${expectedType}`,
    };
  }
  if (envelope.payloadSha256 !== sha256Hex(payload)) {
    return {
      ok: false,
      code: 'digest-mismatch',
      message: 'the signed document was altered after signing (its SHA-256 differs)',
    };
  }
  if (!keyring.has(envelope.keyId)) {
    return {
      ok: false,
      code: 'unknown-key',
      message: `signed by ${envelope.keyId}, which is not in the trusted keyring`,
    };
  }
  const signature = Buffer.from(envelope.signature, 'base64');
  if (!keyring.verify(envelope.keyId, preAuthEncoding(expectedType, payload), signature)) {
    return {
      ok: false,
      code: 'bad-signature',
      message: `signature by ${envelope.keyId} does not verify`,
    };
  }
  return { ok: true, keyId: envelope.keyId };
}

function isEnvelope(value: unknown): value is SignatureEnvelope {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    v.format === SIGNATURE_FORMAT &&
    typeof v.payloadType === 'string' &&
    typeof v.payloadSha256 === 'string' &&
    typeof v.keyId === 'string' &&
    v.algorithm === 'Ed25519' &&
    typeof v.signature === 'string' &&
    typeof v.signedAt === 'string'
  );
}
