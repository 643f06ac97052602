import { randomBytes } from 'node:crypto';
import { parseKeyId, type Signer, signPayload } from '@bulwark/keys';
import { firstSchemaError } from '@bulwark/kit';
import canonicalize from 'canonicalize';
import { TransitionRejectedError } from '../errors.js';
import {
  TRANSITION_FORMAT,
  TRANSITION_PAYLOAD_TYPE,
  type TransitionBody,
  type TransitionRequest,
  transitionRequestValidator,
} from './schema.js';

export {
  TRANSITION_FORMAT,
  TRANSITION_PAYLOAD_TYPE,
  type TransitionBody,
  type TransitionRequest,
} from './schema.js';

/** How long a new request stays valid unless the requester says otherwise. */
export const DEFAULT_TRANSITION_TTL_MS = 15 * 60_000;

/** Why an operator's key signed, as its audit record says. */
export const TRANSITION_SIGNING_PURPOSE = 'gate.transition';

export interface TransitionFields {
  readonly gate: string;
  readonly to: string;
  readonly reason: string;
  /** The gate's current counter plus one (or more). */
  readonly counter: number;
  readonly requester: string;
  readonly ttlMs?: number;
  readonly notBefore?: Date;
  readonly now?: Date;
  /** 32 hex digits; random by default (tests pass one to replay it). */
  readonly nonce?: string;
}

/** A new, unsigned request; operators then approve it one signature at a time. */
export function createTransitionRequest(fields: TransitionFields): TransitionRequest {
  const notBefore = fields.notBefore ?? fields.now ?? new Date();
  const ttlMs = fields.ttlMs ?? DEFAULT_TRANSITION_TTL_MS;
  const request: TransitionRequest = {
    format: TRANSITION_FORMAT,
    body: {
      gate: fields.gate,
      to: fields.to,
      reason: fields.reason,
      nonce: fields.nonce ?? randomBytes(16).toString('hex'),
      counter: fields.counter,
      notBefore: notBefore.toISOString(),
      expiresAt: new Date(notBefore.getTime() + ttlMs).toISOString(),
      requester: fields.requester,
    },
    signatures: [],
  };
  return assertTransitionRequest(request);
}

/** The exact bytes every operator signs: RFC 8785 canonical JSON of the body. */
export function transitionBodyBytes(body: TransitionBody): Uint8Array {
  const text = canonicalize(body);
  if (text === undefined) throw new TypeError('a transition body must be a JSON object');
  return Buffer.from(text, 'utf8');
}

/**
 * Adds one operator's signature. A second signature by any version of the same key name is
 * refused here as it would be at the gate: one operator is one vote, however many keys it holds.
 */
export async function approveTransition(
  request: TransitionRequest,
  signer: Signer,
  purpose: string = TRANSITION_SIGNING_PURPOSE,
): Promise<TransitionRequest> {
  const valid = assertTransitionRequest(request);
  const name = parseKeyId(signer.keyId).name;
  const already = valid.signatures.find((signature) => keyNameOf(signature.keyId) === name);
  if (already) {
    throw new TransitionRejectedError(
      'duplicate-signer',
      `${already.keyId} has already approved this transition, so ${signer.keyId} cannot add a second vote.`,
    );
  }
  const signature = await signPayload(
    signer,
    TRANSITION_PAYLOAD_TYPE,
    transitionBodyBytes(valid.body),
    purpose,
  );
  return { ...valid, signatures: [...valid.signatures, signature] };
}

/** The document checked against its schema; TransitionRejectedError('malformed') when not. */
export function assertTransitionRequest(document: unknown): TransitionRequest {
  const validate = transitionRequestValidator();
  if (!validate(document)) {
    throw new TransitionRejectedError(
      'malformed',
      `the transition is not a ${TRANSITION_FORMAT} document: ${firstSchemaError(validate.errors)}.`,
    );
  }
  const notBefore = Date.parse(document.body.notBefore);
  const expiresAt = Date.parse(document.body.expiresAt);
  if (!(expiresAt > notBefore)) {
    throw new TransitionRejectedError(
      'malformed',
      `the transition expires (${document.body.expiresAt}) before it becomes valid (${document.body.notBefore}).`,
    );
  }
  return document;
}

/** The operator a key id belongs to: its name without the version. */
export function keyNameOf(keyId: string): string {
  try {
    return parseKeyId(keyId).name;
  } catch {
    // Not a Bulwark key id: it can only be matched exactly (and no keyring will hold it).
    return keyId;
  }
}
