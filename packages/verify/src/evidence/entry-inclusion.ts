import {
  type Checkpoint,
  canonicalJson,
  entryHashOf,
  LedgerError,
  leafHash,
  type NoteKey,
  openCheckpoint,
  parseHexHash,
  payloadHashOf,
  readCheckpointNote,
  toHex,
  verifyInclusion,
} from '@bulwark/ledger';
import { LedgerQueryError } from './errors.js';
import {
  describeAnswer,
  type LedgerCheckpointJson,
  LedgerClient,
  type LedgerEntryJson,
  type LedgerInclusionJson,
} from './ledger-client.js';

export interface LedgerTrust {
  /** The ledger service to ask; the verifier's own choice, never taken from a receipt file. */
  readonly url: string;
  /** The ledger's checkpoint key (a C2SP vkey, parsed): without it, signatures go unchecked. */
  readonly verifierKey?: NoteKey;
  readonly timeoutMs?: number;
}

/** What a writer kept when the ledger accepted its entry (anchor.json, a release's ledger.json). */
export interface RecordedLedgerEntry {
  readonly seq: number;
  /** Hex SHA-256 entry hash the ledger answered the append with. */
  readonly entryHash: string;
}

export interface ProveEntryOptions {
  /** The file the receipt came from, named in problems ("anchor.json"). */
  readonly recordedIn: string;
  /**
   * Whether the entry, as the ledger serves it, records the document being verified: undefined
   * when it does, else the one-line problem. Called before any hash is trusted.
   */
  readonly records: (entry: LedgerEntryJson) => string | undefined;
}

export interface LedgerEntryInclusion {
  readonly ok: boolean;
  /** The entry the receipt names. */
  readonly seq?: number;
  /** The checkpoint the inclusion proof was checked against. */
  readonly checkpoint?: {
    readonly origin: string;
    readonly size: number;
    /** False without a verifier key: the tree head is only what the ledger served. */
    readonly signatureChecked: boolean;
  };
  readonly problem?: string;
}

/**
 * Proves one recorded ledger entry is in the ledger: the entry the receipt names, as the ledger
 * serves it, records the caller's document (`records`) and hashes (recomputed here with
 * @bulwark/ledger's own functions) to the entry hash the receipt kept; and an RFC 6962 inclusion
 * proof leads from that entry to the root of the newest checkpoint, whose signature is checked
 * when the caller gave the ledger's key. Returns a problem for what it finds; LedgerQueryError
 * only when the ledger cannot be asked at all.
 */
export async function proveLedgerEntry(
  recorded: RecordedLedgerEntry,
  trust: LedgerTrust,
  options: ProveEntryOptions,
): Promise<LedgerEntryInclusion> {
  const { seq } = recorded;
  const fail = (problem: string): LedgerEntryInclusion => ({ ok: false, seq, problem });
  const client = new LedgerClient(trust.url, trust);

  const entry = await entryAt(client, seq);
  if (!entry) return fail(`the ledger at ${client.url} has no entry ${seq}`);
  const mismatch = options.records(entry);
  if (mismatch !== undefined) return fail(mismatch);
  const entryHash = recomputedEntryHash(entry);
  if (
    !entryHash ||
    toHex(entryHash) !== recorded.entryHash ||
    entry.entryHash !== recorded.entryHash
  ) {
    return fail(
      `ledger entry ${seq} does not hash to the entry hash ${options.recordedIn} recorded`,
    );
  }

  const checkpoint = await newestCheckpoint(client, trust.verifierKey);
  if (typeof checkpoint === 'string') return fail(checkpoint);
  const signatureChecked = trust.verifierKey !== undefined;
  const seen = { origin: checkpoint.origin, size: checkpoint.size, signatureChecked };
  if (checkpoint.size < seq) {
    return {
      ok: false,
      seq,
      checkpoint: seen,
      problem: `entry ${seq} is not yet covered by a signed checkpoint (newest size ${checkpoint.size}); verify again after the ledger's next checkpoint`,
    };
  }
  const proof = await client.inclusionProof(seq, checkpoint.size);
  if (proof.status === 404) {
    return {
      ok: false,
      seq,
      checkpoint: seen,
      problem: `the ledger has no inclusion proof for entry ${seq} in tree size ${checkpoint.size}`,
    };
  }
  if (proof.status !== 200) throw unexpected(client, 'the inclusion proof', proof);
  const path = proofPath(proof.body);
  const included =
    path !== undefined &&
    verifyInclusion(seq - 1, checkpoint.size, leafHash(entryHash), path, checkpoint.root);
  if (!included) {
    return {
      ok: false,
      seq,
      checkpoint: seen,
      problem: `the inclusion proof for entry ${seq} does not lead to the root of checkpoint size ${checkpoint.size}: the entry is not in the tree the ledger signed`,
    };
  }
  return { ok: true, seq, checkpoint: seen };
}

async function entryAt(client: LedgerClient, seq: number): Promise<LedgerEntryJson | undefined> {
  const answer = await client.entryAt(seq);
  if (answer.status !== 200) throw unexpected(client, `entry ${seq}`, answer);
  const entries = (answer.body as { entries?: unknown } | undefined)?.entries;
  if (!Array.isArray(entries)) throw unexpected(client, `entry ${seq}`, answer);
  const entry = entries[0] as LedgerEntryJson | undefined;
  return entry?.seq === seq ? entry : undefined;
}

/** The entry hash from the entry's fields, or undefined when a field is not what the ledger writes. */
function recomputedEntryHash(entry: LedgerEntryJson): Uint8Array | undefined {
  const prevHash = typeof entry.prevHash === 'string' ? parseHexHash(entry.prevHash) : undefined;
  const timeMs = Date.parse(entry.time);
  if (
    !prevHash ||
    Number.isNaN(timeMs) ||
    typeof entry.actor !== 'string' ||
    typeof entry.stream !== 'string' ||
    typeof entry.kind !== 'string'
  ) {
    return undefined;
  }
  try {
    return entryHashOf({
      seq: entry.seq,
      timeMs,
      stream: entry.stream,
      kind: entry.kind,
      actor: entry.actor,
      payloadHash: payloadHashOf(canonicalJson(entry.payload)),
      prevHash,
    });
  } catch (error) {
    if (error instanceof LedgerError) return undefined;
    throw error;
  }
}

/**
 * The largest checkpoint the ledger serves: with `key`, among those whose signature verifies
 * (and whose origin is the key's name); without, as served. A string says why there is none.
 */
async function newestCheckpoint(
  client: LedgerClient,
  key: NoteKey | undefined,
): Promise<Checkpoint | string> {
  const answer = await client.checkpoints();
  if (answer.status !== 200) throw unexpected(client, 'its checkpoints', answer);
  const listed = (answer.body as { checkpoints?: unknown } | undefined)?.checkpoints;
  if (!Array.isArray(listed)) throw unexpected(client, 'its checkpoints', answer);
  let best: Checkpoint | undefined;
  for (const item of listed as Partial<LedgerCheckpointJson>[]) {
    if (typeof item?.note !== 'string') continue;
    let checkpoint: Checkpoint;
    try {
      checkpoint = key ? openCheckpoint(item.note, [key]) : readCheckpointNote(item.note);
    } catch (error) {
      if (error instanceof LedgerError) continue;
      throw error;
    }
    if (!best || checkpoint.size > best.size) best = checkpoint;
  }
  if (best) return best;
  if (listed.length === 0) return `the ledger at ${client.url} has no signed checkpoint yet`;
  return key
    ? `none of the ledger's ${listed.length} checkpoints verifies with the ledger key ${key.name}`
    : `none of the ledger's ${listed.length} checkpoints is a readable signed note`;
}

function proofPath(body: unknown): Uint8Array[] | undefined {
  const proof = (body as Partial<LedgerInclusionJson> | undefined)?.proof;
  if (!Array.isArray(proof)) return undefined;
  const hashes = proof.map((h) => (typeof h === 'string' ? parseHexHash(h) : undefined));
  return hashes.every((h) => h !== undefined) ? (hashes as Uint8Array[]) : undefined;
}

function unexpected(
  client: LedgerClient,
  what: string,
  answer: { status: number; body: unknown },
): LedgerQueryError {
  return new LedgerQueryError(
    `ledger ${client.url} did not serve ${what}: ${describeAnswer(answer)}`,
  );
}
