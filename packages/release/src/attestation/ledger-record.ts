import { basename } from 'node:path';
import {
  describeAnswer,
  type LedgerAppendAnswer,
  LedgerClient,
  type LedgerEntryInclusion,
  LedgerQueryError,
  type LedgerTrust,
  proveLedgerEntry,
} from '@bulwark/verify';
import { ReleaseError } from '../errors.js';
import { ledgerReceiptPath, readSmallFile, writeFileAtomically } from './release-files.js';

/** The ledger stream and kind release attestations are appended under. */
export const RELEASE_STREAM = 'release';
export const ATTESTATION_KIND = 'attestation';

/** What the ledger entry for a release holds: enough to find the attestation and check its bytes. */
export interface ReleaseEntryPayload {
  readonly version: string;
  /** SHA-256 of the attestation file (the envelope line), hex. */
  readonly digest: string;
  /** SHA-256 of the signed statement bytes, hex. */
  readonly statementSha256: string;
}

/** release-<version>.ledger.json: the ledger's receipt for the attestation. */
export interface ReleaseLedgerReceipt {
  /** Where it was appended; informative only: a verifier asks the ledger it trusts. */
  readonly ledgerUrl: string;
  readonly seq: number;
  readonly entryHash: string;
  readonly time: string;
  readonly attestationSha256: string;
}

/**
 * Appends the attestation's digest to the ledger (stream `release`, kind `attestation`, the
 * signing key as actor), writes the receipt beside the attestation, then asks for a checkpoint so
 * a signed tree head covers the entry at once (best effort: the ledger signs on its own clock too).
 */
export async function recordInLedger(options: {
  readonly ledgerUrl: string;
  readonly attestationFile: string;
  readonly actor: string;
  readonly payload: ReleaseEntryPayload;
  readonly timeoutMs?: number;
}): Promise<ReleaseLedgerReceipt> {
  const { payload } = options;
  let client: LedgerClient;
  let answer: Awaited<ReturnType<LedgerClient['append']>>;
  try {
    client = new LedgerClient(options.ledgerUrl, options);
    answer = await client.append({
      stream: RELEASE_STREAM,
      kind: ATTESTATION_KIND,
      actor: options.actor,
      payload,
    });
  } catch (error) {
    if (error instanceof LedgerQueryError) {
      throw new ReleaseError('BW_RELEASE_ATTESTATION', error.message);
    }
    throw error;
  }
  if (answer.status !== 201) {
    throw new ReleaseError(
      'BW_RELEASE_ATTESTATION',
      `ledger ${client.url} refused the attestation entry for release ${payload.version}: ${describeAnswer(answer)}`,
    );
  }
  const body = answer.body as Partial<LedgerAppendAnswer> | undefined;
  if (
    !Number.isSafeInteger(body?.seq) ||
    typeof body?.entryHash !== 'string' ||
    !/^[0-9a-f]{64}$/.test(body.entryHash) ||
    typeof body.time !== 'string'
  ) {
    throw new ReleaseError(
      'BW_RELEASE_ATTESTATION',
      `ledger ${client.url} answered the append without a seq, entry hash and time`,
    );
  }
  const receipt: ReleaseLedgerReceipt = {
    ledgerUrl: client.url,
    seq: body.seq as number,
    entryHash: body.entryHash,
    time: body.time,
    attestationSha256: payload.digest,
  };
  await writeFileAtomically(
    ledgerReceiptPath(options.attestationFile),
    `${JSON.stringify(receipt, null, 2)}\n`,
  );
  await client.checkpointNow().catch(() => undefined);
  return receipt;
}

/** What the attestation being verified says; the ledger entry must record exactly this. */
export interface AttestedRelease {
  readonly attestationFile: string;
  readonly version: string;
  readonly digest: string;
  readonly statementSha256: string;
  /** The key that signed the attestation: the entry's actor. */
  readonly signedBy: string;
}

/**
 * Proves the attestation's ledger entry is included under the ledger's newest checkpoint. A
 * missing or foreign receipt, an entry that records another attestation, or a failed proof is a
 * problem; ReleaseError only when the ledger cannot be asked at all.
 */
export async function proveRecorded(
  attested: AttestedRelease,
  trust: LedgerTrust,
): Promise<LedgerEntryInclusion> {
  const receiptFile = ledgerReceiptPath(attested.attestationFile);
  const name = basename(receiptFile);
  const read = await readSmallFile(receiptFile);
  if (!read.ok) {
    return {
      ok: false,
      problem:
        read.code === 'ENOENT'
          ? `no ${name}: the attestation was never recorded in a ledger`
          : `cannot read ${name}: ${read.code}`,
    };
  }
  const receipt = parseReceipt(read.bytes.toString('utf8'));
  if (!receipt) {
    return {
      ok: false,
      problem: `${name} is not a ledger receipt (seq, entryHash, attestationSha256)`,
    };
  }
  if (receipt.attestationSha256 !== attested.digest) {
    return {
      ok: false,
      seq: receipt.seq,
      problem: `${name} was made for a different attestation (its digest is not this attestation's)`,
    };
  }
  try {
    return await proveLedgerEntry(receipt, trust, {
      recordedIn: name,
      records: (entry) => {
        const payload = entry.payload as Partial<ReleaseEntryPayload> | null;
        const recordsThis =
          entry.stream === RELEASE_STREAM &&
          entry.kind === ATTESTATION_KIND &&
          entry.actor === attested.signedBy &&
          payload?.version === attested.version &&
          payload?.digest === attested.digest &&
          payload?.statementSha256 === attested.statementSha256;
        return recordsThis
          ? undefined
          : `ledger entry ${entry.seq} does not record this attestation (release ${attested.version}, sha256 ${attested.digest})`;
      },
    });
  } catch (error) {
    if (error instanceof LedgerQueryError) {
      throw new ReleaseError('BW_RELEASE_ATTESTATION', error.message);
    }
    throw error;
  }
}

function parseReceipt(text: string): ReleaseLedgerReceipt | undefined {
  let value: Partial<ReleaseLedgerReceipt> | null;
  try {
    value = JSON.parse(text) as Partial<ReleaseLedgerReceipt> | null;
  } catch {
    return undefined;
  }
  const ok =
    Number.isSafeInteger(value?.seq) &&
    (value?.seq as number) > 0 &&
    typeof value?.entryHash === 'string' &&
    typeof value.attestationSha256 === 'string';
  return ok ? (value as ReleaseLedgerReceipt) : undefined;
}
