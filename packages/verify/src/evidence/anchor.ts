import { join } from 'node:path';
import { writeAtomically } from './durable-files.js';
import { AnchorError, LedgerQueryError } from './errors.js';
import { ANCHOR_FILE } from './layout.js';
import { describeAnswer, type LedgerAppendAnswer, LedgerClient } from './ledger-client.js';
import type { LedgerAnchor } from './model.js';
import { readBundle, readSignature } from './read.js';

/** The ledger stream and kind evidence entries are appended under. */
export const EVIDENCE_STREAM = 'evidence';
export const EVIDENCE_KIND = 'bundle';

/** What the ledger entry for a bundle holds: enough to find the bundle and check its bytes. */
export interface EvidenceEntryPayload {
  readonly bundleId: string;
  /** SHA-256 of bundle.json, hex. */
  readonly sha256: string;
  readonly plan: string;
  readonly environment: string;
  readonly ok: boolean;
}

export interface AnchorOptions {
  readonly timeoutMs?: number;
}

/**
 * Appends the bundle's digest to the ledger (stream `evidence`, kind `bundle`, the signing key
 * as actor) and writes anchor.json. Then asks the ledger for a checkpoint, so a signed tree head
 * covers the entry at once and `bulwark evidence verify --ledger` can prove inclusion without
 * waiting for the ledger's clock; that request is best effort, as the ledger signs one on its
 * own schedule anyway. AnchorError (one line) when the ledger refuses or cannot be reached.
 */
export async function anchorBundle(
  dir: string,
  ledgerUrl: string,
  options: AnchorOptions = {},
): Promise<LedgerAnchor> {
  const loaded = await readBundle(dir);
  const envelope = await readSignature(dir);
  const { bundle } = loaded;
  const payload: EvidenceEntryPayload = {
    bundleId: bundle.id,
    sha256: loaded.sha256,
    plan: bundle.plan.name,
    environment: bundle.environment,
    ok: bundle.summary.ok,
  };
  let client: LedgerClient;
  let answer: Awaited<ReturnType<LedgerClient['append']>>;
  try {
    client = new LedgerClient(ledgerUrl, options);
    answer = await client.append({
      stream: EVIDENCE_STREAM,
      kind: EVIDENCE_KIND,
      actor: envelope.keyId,
      payload,
    });
  } catch (error) {
    if (error instanceof LedgerQueryError) throw new AnchorError(error.message);
    throw error;
  }
  if (answer.status !== 201) {
    throw new AnchorError(
      `ledger ${client.url} refused the evidence entry for bundle ${bundle.id}: ${describeAnswer(answer)}`,
    );
  }
  const receipt = answer.body as Partial<LedgerAppendAnswer> | undefined;
  if (
    !Number.isSafeInteger(receipt?.seq) ||
    typeof receipt?.entryHash !== 'string' ||
    !/^[0-9a-f]{64}$/.test(receipt.entryHash) ||
    typeof receipt.time !== 'string'
  ) {
    throw new AnchorError(
      `ledger ${client.url} answered the append without a seq, entry hash and time`,
    );
  }
  const anchor: LedgerAnchor = {
    ledgerUrl: client.url,
    seq: receipt.seq as number,
    entryHash: receipt.entryHash,
    time: receipt.time,
    bundleSha256: loaded.sha256,
  };
  await writeAtomically(join(dir, ANCHOR_FILE), `${JSON.stringify(anchor, null, 2)}\n`);
  await client.checkpointNow().catch(() => undefined);
  return anchor;
}
