import { UnshippableRecordError } from './outbox-errors.js';
import type { GateRecord, GateRecordKind } from './types.js';

/** A record as the outbox holds it: `n` is its place in the outbox, 1, 2, 3… across restarts. */
export interface OutboxRecord extends GateRecord {
  readonly n: number;
}

/** The payload key the shipper stamps with `n`, so the ledger stream tells what it holds. */
export const OUTBOX_SEQ_KEY = 'outboxSeq';

// The ledger's own rules for an entry (packages/ledger/src/entry.ts), checked before a record is
// written: a record the ledger refuses cannot be dropped, so it would block the outbox for good.
/** What the ledger accepts as a stream, kind or actor name (as a JSON Schema pattern). */
export const LEDGER_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$';
const LEDGER_NAME = new RegExp(LEDGER_NAME_PATTERN);
/** The longest name the ledger accepts, in UTF-8 bytes. */
export const LEDGER_NAME_BYTES = 200;

/** Whether the ledger accepts `value` as a stream, kind or actor name. */
export const isLedgerName = (value: unknown): value is string =>
  typeof value === 'string' &&
  LEDGER_NAME.test(value) &&
  Buffer.byteLength(value) <= LEDGER_NAME_BYTES;
/** The ledger's 64 KiB of canonical JSON, less room for `"outboxSeq":<n>`. */
export const MAX_PAYLOAD_BYTES = 64 * 1024 - 64;

function checkName(field: string, value: unknown): string {
  if (!isLedgerName(value)) {
    throw new UnshippableRecordError(
      `record ${field} ${JSON.stringify(value)} is not a ledger name (letters, digits and . _ : / @ + -, at most ${LEDGER_NAME_BYTES} bytes)`,
    );
  }
  return value;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The record checked and serialized without its number: `"kind":…,"actor":…,"payload":…}`.
 * Serializing at once also snapshots the payload, so a caller changing it later changes nothing.
 */
export function encodeRecordBody(record: GateRecord): string {
  checkName('kind', record.kind);
  checkName('actor', record.actor);
  if (!isPlainObject(record.payload)) {
    throw new UnshippableRecordError('record payload must be a JSON object');
  }
  if (Object.hasOwn(record.payload, OUTBOX_SEQ_KEY)) {
    throw new UnshippableRecordError(`record payload key ${OUTBOX_SEQ_KEY} is the outbox's own`);
  }
  let payload: string;
  try {
    payload = JSON.stringify(record.payload);
  } catch (cause) {
    throw new UnshippableRecordError('record payload is not JSON', { cause });
  }
  if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
    throw new UnshippableRecordError(
      `record payload is larger than ${MAX_PAYLOAD_BYTES} bytes of JSON (the ledger's limit)`,
    );
  }
  return `${JSON.stringify({ kind: record.kind, actor: record.actor }).slice(1, -1)},"payload":${payload}}`;
}

/** One newline-terminated line of a segment. */
export const lineOf = (n: number, body: string): string => `{"n":${n},${body}\n`;

/**
 * The record a line holds when it is whole, well-formed and numbered `n`; undefined otherwise
 * (a torn or foreign line).
 */
export function parseLine(text: string, n: number): OutboxRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isPlainObject(value)) return undefined;
  const { n: number, kind, actor, payload } = value;
  if (number !== n || typeof kind !== 'string' || typeof actor !== 'string') return undefined;
  if (!isPlainObject(payload)) return undefined;
  return { n, kind: kind as GateRecordKind, actor, payload };
}
