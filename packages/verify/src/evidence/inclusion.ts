import { EVIDENCE_KIND, EVIDENCE_STREAM } from './anchor.js';
import {
  type LedgerEntryInclusion,
  type LedgerTrust,
  proveLedgerEntry,
} from './entry-inclusion.js';
import type { LedgerAnchor } from './model.js';
import type { LoadedBundle } from './read.js';

export type { LedgerTrust } from './entry-inclusion.js';

/** The anchor's entry, its checkpoint, or the problem that stopped the proof. */
export type AnchorCheck = LedgerEntryInclusion;

/**
 * Proves the bundle is in the ledger: anchor.json names an entry; that entry, as the ledger
 * serves it, records this bundle's digest and hashes (recomputed here with @bulwark/ledger's
 * own functions) to the entry hash anchor.json kept; and an RFC 6962 inclusion proof leads from
 * that entry to the root of the newest checkpoint, whose signature is checked when the caller
 * gave the ledger's key. Returns a problem for what it finds; LedgerQueryError only when the
 * ledger cannot be asked at all.
 */
export async function checkAnchor(
  loaded: LoadedBundle,
  anchor: LedgerAnchor | undefined,
  trust: LedgerTrust,
): Promise<AnchorCheck> {
  if (!anchor) {
    return { ok: false, problem: 'no anchor.json: the bundle was never anchored in a ledger' };
  }
  if (anchor.bundleSha256 !== loaded.sha256) {
    return {
      ok: false,
      seq: anchor.seq,
      problem: "anchor.json was made for a different bundle.json (its digest is not this bundle's)",
    };
  }
  return proveLedgerEntry(anchor, trust, {
    recordedIn: 'anchor.json',
    records: (entry) => {
      const payload = entry.payload as { sha256?: unknown; bundleId?: unknown } | null;
      const recordsThisBundle =
        entry.stream === EVIDENCE_STREAM &&
        entry.kind === EVIDENCE_KIND &&
        payload?.sha256 === loaded.sha256 &&
        payload?.bundleId === loaded.bundle.id;
      return recordsThisBundle
        ? undefined
        : `ledger entry ${entry.seq} does not record this bundle (id ${loaded.bundle.id}, sha256 ${loaded.sha256})`;
    },
  });
}
