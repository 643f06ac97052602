import canonicalize from 'canonicalize';
import { InvalidEntryError } from './errors.js';
import { HASH_BYTES, type Hash, sha256Of } from './hash.js';

/** What a caller appends. `payload` is any JSON value; it is stored as RFC 8785 canonical JSON. */
export interface EntryInput {
  readonly stream: string;
  readonly kind: string;
  readonly actor: string;
  readonly payload: unknown;
}

/** An entry as stored: every field the hashes cover, plus the hashes themselves. */
export interface LedgerEntry {
  readonly seq: number;
  /** Milliseconds since the epoch, as hashed. */
  readonly timeMs: number;
  readonly stream: string;
  readonly kind: string;
  readonly actor: string;
  /** RFC 8785 canonical JSON text. */
  readonly payload: string;
  readonly payloadHash: Hash;
  readonly prevHash: Hash;
  readonly entryHash: Hash;
}

/** An entry input validated and canonicalized, ready to be sequenced. */
export interface PreparedEntry {
  readonly stream: string;
  readonly kind: string;
  readonly actor: string;
  readonly payload: string;
  readonly payloadHash: Hash;
}

/** Hash domains: a payload hash can never be mistaken for an entry hash, nor either for a tree node. */
const PAYLOAD_DOMAIN = Buffer.from('bulwark/ledger/v1/payload\n', 'utf8');
const ENTRY_DOMAIN = Buffer.from('bulwark/ledger/v1/entry\n', 'utf8');

/** The prev hash of seq 1. */
export const GENESIS_HASH: Hash = new Uint8Array(HASH_BYTES);

export const LIMITS = {
  nameBytes: 200,
  payloadBytes: 64 * 1024,
} as const;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/;

function checkName(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0)
    throw new InvalidEntryError(`${field} must be a non-empty string`);
  if (Buffer.byteLength(value) > LIMITS.nameBytes)
    throw new InvalidEntryError(`${field} is longer than ${LIMITS.nameBytes} bytes`);
  if (!NAME.test(value))
    throw new InvalidEntryError(`${field} may use letters, digits and . _ : / @ + - only`);
  return value;
}

export function canonicalJson(payload: unknown): string {
  let text: string | undefined;
  try {
    text = canonicalize(payload);
  } catch (error) {
    throw new InvalidEntryError(`payload is not JSON: ${(error as Error).message}`);
  }
  if (text === undefined) throw new InvalidEntryError('payload is not JSON');
  return text;
}

/**
 * One scratch buffer for hash inputs (hashing is synchronous, so it is never shared between
 * two calls); grown on demand. Verifying a million entries then allocates only the digests.
 */
let scratch = Buffer.alloc(4096);
function scratchOf(bytes: number): Buffer {
  if (scratch.length < bytes) scratch = Buffer.alloc(Math.max(bytes, scratch.length * 2));
  return scratch;
}

export function payloadHashOf(canonicalPayload: string): Hash {
  const buf = scratchOf(PAYLOAD_DOMAIN.length + canonicalPayload.length * 3);
  PAYLOAD_DOMAIN.copy(buf, 0);
  const end = PAYLOAD_DOMAIN.length + buf.write(canonicalPayload, PAYLOAD_DOMAIN.length, 'utf8');
  return sha256Of(buf.subarray(0, end));
}

/** payloadHashOf over the payload's UTF-8 bytes `data[start, end)`, as a page reader holds them. */
export function payloadHashOfBytes(data: Uint8Array, start: number, end: number): Hash {
  const buf = scratchOf(PAYLOAD_DOMAIN.length + end - start);
  PAYLOAD_DOMAIN.copy(buf, 0);
  buf.set(data.subarray(start, end), PAYLOAD_DOMAIN.length);
  return sha256Of(buf.subarray(0, PAYLOAD_DOMAIN.length + end - start));
}

export function prepareEntry(input: EntryInput): PreparedEntry {
  if (input === null || typeof input !== 'object')
    throw new InvalidEntryError('an entry must be an object');
  const payload = canonicalJson(input.payload);
  if (Buffer.byteLength(payload) > LIMITS.payloadBytes) {
    throw new InvalidEntryError(
      `payload is larger than ${LIMITS.payloadBytes} bytes as canonical JSON`,
    );
  }
  return {
    stream: checkName('stream', input.stream),
    kind: checkName('kind', input.kind),
    actor: checkName('actor', input.actor),
    payload,
    payloadHash: payloadHashOf(payload),
  };
}

/**
 * The entry hash: domain ‖ seq (u64) ‖ time ms (u64) ‖ len-prefixed stream, kind, actor ‖
 * payload hash ‖ prev hash. Length prefixes make the encoding injective.
 */
export function entryHashOf(fields: {
  seq: number;
  timeMs: number;
  stream: string;
  kind: string;
  actor: string;
  payloadHash: Uint8Array;
  prevHash: Uint8Array;
}): Hash {
  const max =
    ENTRY_DOMAIN.length +
    16 +
    12 +
    3 * (fields.stream.length + fields.kind.length + fields.actor.length) +
    2 * HASH_BYTES;
  const out = scratchOf(max);
  let at = ENTRY_DOMAIN.copy(out, 0);
  at = writeUint64(out, fields.seq, at);
  at = writeUint64(out, fields.timeMs, at);
  for (const text of [fields.stream, fields.kind, fields.actor]) {
    const written = out.write(text, at + 4, 'utf8');
    out.writeUInt32BE(written, at);
    at += 4 + written;
  }
  out.set(fields.payloadHash, at);
  at += HASH_BYTES;
  out.set(fields.prevHash, at);
  at += HASH_BYTES;
  return sha256Of(out.subarray(0, at));
}

/**
 * entryHashOf over fields already in UTF-8 and bytes: `bounds` holds [start, end) pairs into
 * `data` for stream, kind, actor, then (after the payload's pair, unused here) payload hash and
 * prev hash, from index `at` (the page layout of store/entry-page.ts). Byte-identical input to
 * entryHashOf, without decoding or re-encoding text.
 */
export function entryHashOfBytes(
  seq: number,
  timeMs: number,
  data: Buffer,
  bounds: Int32Array,
  at: number,
): Hash {
  // stream, kind and actor are fields 0-2, payload hash and prev hash fields 4-5 (pairs of bounds,
  // laid out in order, so each span bounds the bytes of its fields).
  const names = (bounds[at + 5] as number) - (bounds[at] as number);
  const hashes = (bounds[at + 11] as number) - (bounds[at + 8] as number);
  const out = scratchOf(ENTRY_DOMAIN.length + 16 + 12 + names + hashes);
  let w = ENTRY_DOMAIN.copy(out, 0);
  w = writeUint64(out, seq, w);
  w = writeUint64(out, timeMs, w);
  for (let f = at; f < at + 6; f += 2) {
    const start = bounds[f] as number;
    const end = bounds[f + 1] as number;
    out.writeUInt32BE(end - start, w);
    w += 4 + data.copy(out, w + 4, start, end);
  }
  for (let f = at + 8; f < at + 12; f += 2) w += data.copy(out, w, bounds[f], bounds[f + 1]);
  return sha256Of(out.subarray(0, w));
}

/** Big-endian u64 of a safe integer, without BigInt. */
function writeUint64(out: Buffer, value: number, at: number): number {
  out.writeUInt32BE(Math.floor(value / 2 ** 32), at);
  out.writeUInt32BE(value >>> 0, at + 4);
  return at + 8;
}
