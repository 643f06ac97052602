/**
 * C2SP tlog-cosignature (https://c2sp.org/tlog-cosignature), Ed25519 "cosignature/v1": a
 * witness's timestamped statement that, as of that time, the checkpoint is the largest
 * consistent tree it has seen for the log. Hand-written for the same reason as note.ts: it is a
 * few lines of text and bytes and no maintained npm package implements it. The key ID, signed
 * message and signature layout follow the spec so C2SP witnesses and verifiers interoperate.
 */
import { createPublicKey, verify as edVerify } from 'node:crypto';
import type { Signer } from '@bulwark/keys';
import { NoteError } from './errors.js';
import { hashesEqual, sha256 } from './hash.js';
import { type NoteKey, parseNote } from './note.js';

/** The signature type byte of Ed25519 cosignature/v1 keys (0x01 is a plain note signature). */
export const COSIGNATURE_V1_TYPE = 0x04;

const SIGNATURE_PREFIX = '\u2014 ';
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const VALID_NAME = /^[^\s+]+$/;
/** timestamp (u64) ‖ Ed25519 signature. */
const TIMESTAMPED_SIGNATURE_BYTES = 8 + 64;
const MAX_TIMESTAMP = 2n ** 63n - 1n;

/** A cosignature that verified: who made it and when (POSIX seconds). */
export interface VerifiedCosignature {
  readonly signedBy: NoteKey;
  readonly timestamp: number;
}

/** First 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key): the cosigner's key ID. */
export function cosignerKeyHash(name: string, publicKey: Uint8Array): Uint8Array {
  return sha256(
    Buffer.from(name, 'utf8'),
    Buffer.from([0x0a, COSIGNATURE_V1_TYPE]),
    publicKey,
  ).subarray(0, 4);
}

/** The cosigner's verifier key (vkey): `<name>+<hex key ID>+<base64(0x04 ‖ public key)>`. */
export function formatCosignerKey(key: NoteKey): string {
  const hash = Buffer.from(cosignerKeyHash(key.name, key.publicKey)).toString('hex');
  const raw = Buffer.concat([Buffer.from([COSIGNATURE_V1_TYPE]), key.publicKey]);
  return `${key.name}+${hash}+${raw.toString('base64')}`;
}

/** Parses a cosigner vkey (type 0x04); NoteError when it is not one or its key ID is wrong. */
export function parseCosignerKey(text: string): NoteKey {
  const match = /^([^+\s]+)\+([0-9a-fA-F]{8})\+(\S+)$/.exec(text.trim());
  if (!match) throw new NoteError('a cosigner key is <name>+<hash>+<key>');
  const [, name, hash, encoded] = match as unknown as [string, string, string, string];
  const raw = Buffer.from(encoded, 'base64');
  if (raw.length !== 33 || raw[0] !== COSIGNATURE_V1_TYPE) {
    throw new NoteError('the cosigner key is not an Ed25519 cosignature/v1 key (type 0x04)');
  }
  const key = { name, publicKey: raw.subarray(1) };
  if (Buffer.from(cosignerKeyHash(name, key.publicKey)).toString('hex') !== hash.toLowerCase()) {
    throw new NoteError('the cosigner key hash does not match its name and key');
  }
  return key;
}

/** The message a cosignature signs: "cosignature/v1\ntime <t>\n" then the checkpoint body. */
export function cosignedMessage(body: string, timestamp: number): Buffer {
  return Buffer.from(`cosignature/v1\ntime ${timestamp}\n${body}`, 'utf8');
}

/**
 * Cosigns the body of a checkpoint note (`body` ends in a newline, no signature lines) at
 * `timestamp` (POSIX seconds) and returns the signature line, newline-terminated.
 */
export async function cosignCheckpointBody(
  body: string,
  name: string,
  signer: Signer,
  timestamp: number,
): Promise<string> {
  if (signer.algorithm !== 'Ed25519')
    throw new NoteError(`cosignatures need Ed25519, not ${signer.algorithm}`);
  if (!VALID_NAME.test(name)) throw new NoteError('a cosigner name has no spaces or "+"');
  if (!body.endsWith('\n')) throw new NoteError('a note body ends with a newline');
  if (!Number.isSafeInteger(timestamp) || timestamp < 0)
    throw new NoteError('a cosignature timestamp is a non-negative integer of seconds');
  const signature = await signer.sign(cosignedMessage(body, timestamp), 'witness-cosignature');
  const time = Buffer.alloc(8);
  time.writeBigUInt64BE(BigInt(timestamp));
  const blob = Buffer.concat([cosignerKeyHash(name, signer.publicKey), time, signature]);
  return `${SIGNATURE_PREFIX}${name} ${blob.toString('base64')}\n`;
}

/** `note` with the signature lines `lines` (each newline-terminated) appended. */
export function appendSignatureLines(note: string, lines: readonly string[]): string {
  parseNote(note);
  for (const line of lines) {
    if (
      !line.startsWith(SIGNATURE_PREFIX) ||
      !line.endsWith('\n') ||
      line.indexOf('\n') !== line.length - 1
    ) {
      throw new NoteError('a signature line is "— <name> <signature>" and one newline');
    }
  }
  return note + lines.join('');
}

/**
 * The first cosignature on `note` that verifies with one of `keys` (cosigner keys, type 0x04).
 * Lines from unknown keys are ignored, as the spec requires; NoteError when none verifies.
 */
export function verifyCosignature(note: string, keys: readonly NoteKey[]): VerifiedCosignature {
  const parsed = parseNote(note);
  for (const sig of parsed.signatures) {
    if (sig.signature.length !== TIMESTAMPED_SIGNATURE_BYTES) continue;
    for (const key of keys) {
      if (
        key.name !== sig.name ||
        !hashesEqual(cosignerKeyHash(key.name, key.publicKey), sig.keyHash)
      )
        continue;
      const time = Buffer.from(sig.signature).readBigUInt64BE(0);
      if (time > MAX_TIMESTAMP || time > BigInt(Number.MAX_SAFE_INTEGER)) continue;
      const timestamp = Number(time);
      const publicKey = createPublicKey({
        key: Buffer.concat([ED25519_SPKI_PREFIX, key.publicKey]),
        format: 'der',
        type: 'spki',
      });
      if (
        edVerify(
          null,
          cosignedMessage(parsed.body, timestamp),
          publicKey,
          sig.signature.subarray(8),
        )
      )
        return { signedBy: key, timestamp };
    }
  }
  throw new NoteError('no cosignature on the checkpoint verifies with a trusted witness key');
}
