import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Signer, Verifier } from '@bulwark/keys';
import { signPayload, verifyPayload } from '@bulwark/keys';
import {
  ATTESTATION_PAYLOAD_TYPE,
  type Attestation,
  type SignatureEnvelope,
} from '../../evidence/model.js';
import { durationMs } from '../../plan/duration.js';
import { DURATION_PATTERN, type Plan } from '../../plan/schema.js';

/**
 * A manual criterion's signed statement on disk, `<dir>/<criterion>/<attestedAt>.json`:
 *
 *   { "format": "bulwark.attestation-file/v1",
 *     "payload": "<base64 of the Attestation JSON, the exact bytes that were signed>",
 *     "signature": <SignatureEnvelope over those bytes, type ATTESTATION_PAYLOAD_TYPE> }
 *
 * The payload travels as base64 so that no re-serialisation (a reformatting editor, a JSON
 * library's key order) can change the signed bytes; readers decode it and trust nothing else.
 * One file per statement: attesting again adds a file, and the newest valid one counts.
 */
export const ATTESTATION_FILE_FORMAT = 'bulwark.attestation-file/v1';
export const ATTESTATION_FORMAT = 'bulwark.attestation/v1';
/** The purpose recorded in the key's signature audit trail. */
export const ATTESTATION_SIGNING_PURPOSE = 'plan-attestation';

const MAX_STATEMENT = 4000;
/** An attestation file is a few KiB; anything far larger is not one. */
const MAX_FILE_BYTES = 1_048_576;
/** Clock skew tolerated between the attesting machine and the verifying one. */
const FUTURE_SKEW_MS = 5 * 60_000;

export interface AttestationFile {
  readonly format: typeof ATTESTATION_FILE_FORMAT;
  readonly payload: string;
  readonly signature: SignatureEnvelope;
}

/** Bad input to `writeAttestation`; the CLI shows the message as its one line. */
export class AttestationError extends Error {
  readonly code = 'BW_ATTESTATION_INVALID';
}

export interface WriteAttestationOptions {
  readonly signer: Signer;
  readonly plan: Plan;
  readonly criterionId: string;
  readonly statement: string;
  /** How long it stays valid: `90d`, `12h`; at most the criterion's `attestationMaxAge`. */
  readonly validFor: string;
  readonly dir: string;
  readonly now?: Date;
}

/** Signs a statement about one criterion through `signer` (audited) and writes it to `dir`. */
export async function writeAttestation(
  options: WriteAttestationOptions,
): Promise<{ path: string; attestation: Attestation }> {
  const now = options.now ?? new Date();
  const criterion = options.plan.criteria.find((c) => c.id === options.criterionId);
  if (!criterion) {
    throw new AttestationError(
      `plan ${JSON.stringify(options.plan.name)} has no criterion ${JSON.stringify(options.criterionId)}`,
    );
  }
  const statement = options.statement.trim();
  if (statement === '' || statement.length > MAX_STATEMENT) {
    throw new AttestationError(`the statement must be 1 to ${MAX_STATEMENT} characters`);
  }
  if (!new RegExp(DURATION_PATTERN).test(options.validFor) || durationMs(options.validFor) <= 0) {
    throw new AttestationError(
      `validity ${JSON.stringify(options.validFor)} is not a duration like 90d, 12h or 30m`,
    );
  }
  const validMs = durationMs(options.validFor);
  if (criterion.attestationMaxAge && validMs > durationMs(criterion.attestationMaxAge)) {
    throw new AttestationError(
      `validity ${options.validFor} is longer than criterion ${criterion.id}'s attestationMaxAge ${criterion.attestationMaxAge}`,
    );
  }
  const attestation: Attestation = {
    format: ATTESTATION_FORMAT,
    plan: options.plan.name,
    criterion: criterion.id,
    statement,
    attestedBy: options.signer.keyId,
    attestedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + validMs).toISOString(),
  };
  const payload = Buffer.from(`${JSON.stringify(attestation, null, 2)}\n`, 'utf8');
  const signature = await signPayload(
    options.signer,
    ATTESTATION_PAYLOAD_TYPE,
    payload,
    ATTESTATION_SIGNING_PURPOSE,
    now,
  );
  const file: AttestationFile = {
    format: ATTESTATION_FILE_FORMAT,
    payload: payload.toString('base64'),
    signature,
  };
  const folder = join(options.dir, criterion.id);
  await mkdir(folder, { recursive: true });
  const path = await writeNew(folder, fileStem(now), `${JSON.stringify(file, null, 2)}\n`);
  return { path, attestation };
}

/** `2026-12-02T07-40-00.123Z`: the time, sortable, with no characters file systems refuse. */
function fileStem(time: Date): string {
  return time.toISOString().replaceAll(':', '-');
}

/** Never overwrites: a second statement in the same millisecond gets a suffix. */
async function writeNew(folder: string, stem: string, text: string): Promise<string> {
  for (let n = 1; ; n++) {
    const path = join(folder, n === 1 ? `${stem}.json` : `${stem}-${n}.json`);
    try {
      await writeFile(path, text, { flag: 'wx', mode: 0o644 });
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 100) throw error;
    }
  }
}

export type AttestationState =
  | 'valid'
  | 'expired'
  | 'unknown-key'
  | 'bad-signature'
  | 'tampered'
  | 'malformed'
  | 'other-plan'
  /** No keyring was given: the signature could not be checked. */
  | 'unverified';

export interface AttestationRecord {
  readonly path: string;
  readonly state: AttestationState;
  /** One line: what was found, or why it does not count. */
  readonly message: string;
  /** The decoded statement, once the file parsed (trust it only when `state` is valid). */
  readonly attestation?: Attestation;
  readonly signature?: SignatureEnvelope;
  /** The exact signed bytes. */
  readonly payload?: Uint8Array;
}

/**
 * Every attestation file for one criterion, newest first, each judged: signature (against
 * `keyring`), plan and criterion names, and expiry at `now`. Never throws for what is in the
 * files; a missing folder is an empty list.
 */
export async function readAttestations(
  dir: string,
  planName: string,
  criterionId: string,
  keyring: Verifier | undefined,
  now: Date,
): Promise<AttestationRecord[]> {
  const folder = join(dir, criterionId);
  let names: string[];
  try {
    names = (await readdir(folder)).filter((name) => name.endsWith('.json'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  names.sort().reverse();
  const records: AttestationRecord[] = [];
  for (const name of names) {
    records.push(await readOne(join(folder, name), planName, criterionId, keyring, now));
  }
  return records;
}

async function readOne(
  path: string,
  planName: string,
  criterionId: string,
  keyring: Verifier | undefined,
  now: Date,
): Promise<AttestationRecord> {
  const malformed = (message: string): AttestationRecord => ({ path, state: 'malformed', message });
  let text: string;
  try {
    const bytes = await readFile(path);
    if (bytes.byteLength > MAX_FILE_BYTES)
      return malformed('file is too large to be an attestation');
    text = bytes.toString('utf8');
  } catch (error) {
    return malformed(`unreadable: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let file: Partial<AttestationFile>;
  try {
    file = JSON.parse(text) as Partial<AttestationFile>;
  } catch {
    return malformed('not JSON');
  }
  if (file?.format !== ATTESTATION_FILE_FORMAT || typeof file.payload !== 'string') {
    return malformed(`not a ${ATTESTATION_FILE_FORMAT} file`);
  }
  const payload = Buffer.from(file.payload, 'base64');
  const attestation = parseAttestation(payload);
  const signature = file.signature;
  const found = { path, payload, ...(signature ? { signature } : {}) };
  if (!attestation)
    return { ...found, state: 'malformed', message: 'payload is not an attestation' };
  const withStatement = { ...found, attestation };
  if (!keyring) {
    return { ...withStatement, state: 'unverified', message: 'no keyring to check the signature' };
  }
  const check = verifyPayload(signature, payload, ATTESTATION_PAYLOAD_TYPE, keyring);
  if (!check.ok) {
    const state = STATE_OF_SIGNATURE_CHECK[check.code];
    const message =
      state === 'unknown-key'
        ? `signed by unknown key ${signature?.keyId}`
        : state === 'tampered'
          ? 'tampered: the statement was altered after signing'
          : check.message;
    return { ...withStatement, state, message };
  }
  if (attestation.attestedBy !== check.keyId) {
    return {
      ...withStatement,
      state: 'bad-signature',
      message: `names ${attestation.attestedBy} as signer but was signed by ${check.keyId}`,
    };
  }
  if (attestation.plan !== planName || attestation.criterion !== criterionId) {
    return {
      ...withStatement,
      state: 'other-plan',
      message: `attests ${attestation.plan} / ${attestation.criterion}, not ${planName} / ${criterionId}`,
    };
  }
  const attestedAt = Date.parse(attestation.attestedAt);
  const expiresAt = Date.parse(attestation.expiresAt);
  if (attestedAt > now.getTime() + FUTURE_SKEW_MS) {
    return {
      ...withStatement,
      state: 'malformed',
      message: `dated in the future (${attestation.attestedAt})`,
    };
  }
  if (expiresAt <= now.getTime()) {
    return {
      ...withStatement,
      state: 'expired',
      message: `attestation expired on ${attestation.expiresAt}`,
    };
  }
  return {
    ...withStatement,
    state: 'valid',
    message: `attested by ${check.keyId} on ${attestation.attestedAt}, valid until ${attestation.expiresAt}`,
  };
}

/** How a failed signature check reads as an attestation's state. */
const STATE_OF_SIGNATURE_CHECK = {
  'unknown-key': 'unknown-key',
  'bad-signature': 'bad-signature',
  'digest-mismatch': 'tampered',
  'wrong-type': 'malformed',
  malformed: 'malformed',
} as const satisfies Record<string, AttestationState>;

function parseAttestation(payload: Uint8Array): Attestation | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const strings = ['plan', 'criterion', 'statement', 'attestedBy', 'attestedAt', 'expiresAt'];
  if (v.format !== ATTESTATION_FORMAT || !strings.every((k) => typeof v[k] === 'string')) {
    return undefined;
  }
  if (
    Number.isNaN(Date.parse(v.attestedAt as string)) ||
    Number.isNaN(Date.parse(v.expiresAt as string))
  ) {
    return undefined;
  }
  return value as Attestation;
}
