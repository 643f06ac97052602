/**
 * C2SP signed notes (https://c2sp.org/signed-note) carrying C2SP tlog-checkpoint bodies
 * (https://c2sp.org/tlog-checkpoint), with Ed25519 signatures. Hand-written because the format is
 * a few lines of text and no maintained npm package implements it; the key hash and line layout
 * follow the spec exactly so Go's golang.org/x/mod/sumdb/note and witnesses can read our notes.
 */
import { createPublicKey, verify as edVerify, type KeyObject } from 'node:crypto';
import type { Signer } from '@bulwark/keys';
import { NoteError } from './errors.js';
import { HASH_BYTES, type Hash, hashesEqual, sha256 } from './hash.js';

const ED25519_TYPE = 0x01;
const SIGNATURE_PREFIX = '\u2014 ';
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The public half of a note key: the name signatures carry and the raw Ed25519 key. */
export interface NoteKey {
  readonly name: string;
  readonly publicKey: Uint8Array;
}

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Hash;
}

export interface NoteSignature {
  readonly name: string;
  readonly keyHash: Uint8Array;
  readonly signature: Uint8Array;
}

export interface ParsedNote {
  readonly body: string;
  readonly signatures: readonly NoteSignature[];
}

const VALID_NAME = /^[^\s+]+$/;

/** First 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key). */
export function keyHash(name: string, publicKey: Uint8Array): Uint8Array {
  return sha256(Buffer.from(name, 'utf8'), Buffer.from([0x0a, ED25519_TYPE]), publicKey).subarray(
    0,
    4,
  );
}

/** The verifier key string: `<name>+<hex key hash>+<base64(0x01 ‖ public key)>`. */
export function formatVerifierKey(key: NoteKey): string {
  const hash = Buffer.from(keyHash(key.name, key.publicKey)).toString('hex');
  return `${key.name}+${hash}+${Buffer.concat([Buffer.from([ED25519_TYPE]), key.publicKey]).toString('base64')}`;
}

export function parseVerifierKey(text: string): NoteKey {
  // The key is base64 and may itself contain '+': split at the first two only, as Go's note does.
  const match = /^([^+\s]+)\+([0-9a-fA-F]{8})\+(\S+)$/.exec(text.trim());
  if (!match) throw new NoteError('a verifier key is <name>+<hash>+<key>');
  const [, name, hash, encoded] = match as unknown as [string, string, string, string];
  const raw = Buffer.from(encoded, 'base64');
  if (raw.length !== 33 || raw[0] !== ED25519_TYPE)
    throw new NoteError('the verifier key is not an Ed25519 key');
  const key = { name, publicKey: raw.subarray(1) };
  if (Buffer.from(keyHash(name, key.publicKey)).toString('hex') !== hash.toLowerCase()) {
    throw new NoteError('the verifier key hash does not match its name and key');
  }
  return key;
}

/** A raw 32-byte Ed25519 public key from an SPKI PEM file. */
export function publicKeyFromPem(pem: string): Uint8Array {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new NoteError('not a PEM public key');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new NoteError('the public key is not Ed25519');
  return key.export({ format: 'der', type: 'spki' }).subarray(ED25519_SPKI_PREFIX.length);
}

export function formatCheckpoint(checkpoint: Checkpoint): string {
  if (!VALID_NAME.test(checkpoint.origin))
    throw new NoteError('a checkpoint origin has no spaces or "+"');
  return `${checkpoint.origin}\n${checkpoint.size}\n${Buffer.from(checkpoint.root).toString('base64')}\n`;
}

export function parseCheckpoint(body: string): Checkpoint {
  const lines = body.split('\n');
  // origin, size, root, then optional extension lines; the body ends with a newline.
  if (lines.length < 4 || lines[lines.length - 1] !== '')
    throw new NoteError('a checkpoint has origin, size and root lines');
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (origin === '') throw new NoteError('the checkpoint origin is empty');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    throw new NoteError('the checkpoint size is not a decimal integer');
  }
  const root = Buffer.from(rootText, 'base64');
  if (root.length !== HASH_BYTES || root.toString('base64') !== rootText) {
    throw new NoteError('the checkpoint root is not a base64 SHA-256 hash');
  }
  return { origin, size: Number(sizeText), root };
}

/** Signs `body` (which must end in a newline) as a C2SP signed note under `keyName`. */
export async function signNote(
  body: string,
  keyName: string,
  signer: Signer,
  purpose = 'signed-note',
): Promise<string> {
  if (signer.algorithm !== 'Ed25519')
    throw new NoteError(`note signatures need Ed25519, not ${signer.algorithm}`);
  if (!VALID_NAME.test(keyName)) throw new NoteError('a note key name has no spaces or "+"');
  if (!body.endsWith('\n')) throw new NoteError('a note body ends with a newline');
  const signature = await signer.sign(Buffer.from(body, 'utf8'), purpose);
  const blob = Buffer.concat([keyHash(keyName, signer.publicKey), signature]).toString('base64');
  return `${body}\n${SIGNATURE_PREFIX}${keyName} ${blob}\n`;
}

/** The purpose a checkpoint signature is audited under. */
export const CHECKPOINT_PURPOSE = 'ledger-checkpoint';

/** Signs a checkpoint; the note key name is the log's origin, as tlog-checkpoint recommends. */
export function signCheckpoint(checkpoint: Checkpoint, signer: Signer): Promise<string> {
  return signNote(formatCheckpoint(checkpoint), checkpoint.origin, signer, CHECKPOINT_PURPOSE);
}

export function parseNote(text: string): ParsedNote {
  const split = text.lastIndexOf('\n\n');
  if (split < 0 || !text.endsWith('\n'))
    throw new NoteError('a signed note is a body, a blank line and signature lines');
  const body = text.slice(0, split + 1);
  const signatures = text
    .slice(split + 2, -1)
    .split('\n')
    .map((line): NoteSignature => {
      if (!line.startsWith(SIGNATURE_PREFIX))
        throw new NoteError('a signature line starts with "— "');
      const [name, blob, extra] = line.slice(SIGNATURE_PREFIX.length).split(' ');
      if (!name || !blob || extra !== undefined)
        throw new NoteError('a signature line is "— <name> <signature>"');
      const raw = Buffer.from(blob, 'base64');
      if (raw.length < 5) throw new NoteError('a note signature is too short');
      return { name, keyHash: raw.subarray(0, 4), signature: raw.subarray(4) };
    });
  if (signatures.length === 0) throw new NoteError('the note has no signatures');
  return { body, signatures };
}

/** The body of a signed note, if one of its signatures verifies with one of `keys`; NoteError otherwise. */
export function verifyNote(
  text: string,
  keys: readonly NoteKey[],
): { body: string; signedBy: NoteKey } {
  const note = parseNote(text);
  for (const sig of note.signatures) {
    for (const key of keys) {
      if (key.name !== sig.name || !hashesEqual(keyHash(key.name, key.publicKey), sig.keyHash))
        continue;
      const publicKey = createPublicKey({
        key: Buffer.concat([ED25519_SPKI_PREFIX, key.publicKey]),
        format: 'der',
        type: 'spki',
      });
      if (edVerify(null, Buffer.from(note.body, 'utf8'), publicKey, sig.signature))
        return { body: note.body, signedBy: key };
    }
  }
  throw new NoteError('no signature on the checkpoint verifies with a trusted key');
}

/**
 * Parses a signed checkpoint and checks it carries a valid signature by one of `keys` whose
 * name is the origin. Throws NoteError otherwise.
 */
export function openCheckpoint(
  text: string,
  keys: readonly NoteKey[],
): Checkpoint & { signedBy: NoteKey } {
  const { body, signedBy } = verifyNote(text, keys);
  const checkpoint = parseCheckpoint(body);
  if (signedBy.name !== checkpoint.origin)
    throw new NoteError(`signed by ${signedBy.name}, not the origin ${checkpoint.origin}`);
  return { ...checkpoint, signedBy };
}

/** Parses a signed checkpoint without checking signatures (for display or when no key is given). */
export function readCheckpointNote(text: string): Checkpoint {
  return parseCheckpoint(parseNote(text).body);
}

/** The note key a signer produces for a log's origin. */
export const noteKeyOf = (origin: string, signer: Pick<Signer, 'publicKey'>): NoteKey => ({
  name: origin,
  publicKey: signer.publicKey,
});
