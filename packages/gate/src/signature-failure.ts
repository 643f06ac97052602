import {
  type SignatureCheck,
  type SignatureEnvelope,
  type Verifier,
  verifyPayload,
} from '@bulwark/keys';

/** What a bad signature on a bundle or a transition is reported as. */
export type SignatureFailure = 'tampered' | 'unknown-key' | 'bad-signature';

/** When several signatures fail differently, the one reported is the first of these. */
const ORDER: readonly SignatureFailure[] = ['tampered', 'unknown-key', 'bad-signature'];

/**
 * Checks every signature on a signed gate document (policy bundle, mode transition) and returns
 * the most telling failure, or undefined when all verify. Every signature present must verify:
 * a present but invalid block is never the same as no signature.
 */
export function worstSignatureFailure(
  signatures: readonly SignatureEnvelope[],
  payload: Uint8Array,
  payloadType: string,
  keyring: Verifier,
): { readonly reason: SignatureFailure; readonly message: string } | undefined {
  let worst: { reason: SignatureFailure; message: string } | undefined;
  for (const envelope of signatures) {
    const check = verifyPayload(envelope, payload, payloadType, keyring);
    if (check.ok) continue;
    const reason = failureOf(check.code);
    if (worst === undefined || ORDER.indexOf(reason) < ORDER.indexOf(worst.reason)) {
      worst = { reason, message: check.message };
    }
  }
  return worst;
}

function failureOf(code: Extract<SignatureCheck, { ok: false }>['code']): SignatureFailure {
  switch (code) {
    case 'digest-mismatch':
      return 'tampered';
    case 'unknown-key':
      return 'unknown-key';
    default:
      // wrong-type: a signature over another kind of document; malformed cannot pass the schema.
      return 'bad-signature';
  }
}
