import type { CheckStatus, Measurements, SampleSeries } from '../checks/check.js';
import type { CriterionStatus } from '../plan/schema.js';

/**
 * An evidence bundle: one run of `bulwark verify` on disk.
 *
 *   <dir>/bundle.json        this document (the signed payload, byte for byte)
 *   <dir>/bundle.sig.json    the detached signature (SignatureEnvelope)
 *   <dir>/artifacts/...      raw evidence; bundle.json lists each file's SHA-256
 *   <dir>/anchor.json        with --ledger: where the bundle's digest sits in the ledger
 *   <dir>/report.html, report.junit.xml   renderings, not evidence (not signed)
 */
export const BUNDLE_FORMAT = 'bulwark.evidence/v1';

/** What a criterion came to: a check status, or that nothing could judge it. */
export type CriterionVerdict =
  | CheckStatus
  /** No checks bound and no valid attestation: someone has to look. Never a pass. */
  | 'manual'
  /** Failed (or skipped) but covered by an unexpired waiver. */
  | 'waived';

export interface ArtifactRecord {
  /** Path inside the bundle, `artifacts/<criterion>/<check>/<name>`. */
  readonly path: string;
  readonly mediaType: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface CheckRecord {
  readonly check: string;
  /** The service it ran against; absent for environment-wide checks. */
  readonly service?: string;
  readonly url?: string;
  readonly params: Record<string, unknown>;
  readonly status: CheckStatus;
  readonly summary: string;
  readonly reason?: string;
  readonly measurements: Measurements;
  readonly samples: readonly SampleSeries[];
  readonly artifacts: readonly ArtifactRecord[];
  readonly targetVersion?: string;
  readonly startedAt: string;
  readonly durationMs: number;
}

export interface WaiverRecord {
  readonly owner: string;
  readonly approver: string;
  readonly reason: string;
  readonly risk: string;
  readonly expires: string;
}

export interface CriterionRecord {
  readonly id: string;
  readonly text: string;
  readonly section?: string;
  readonly owner?: string;
  /** The status the plan gave it (the tracker's checkbox). */
  readonly planStatus: CriterionStatus;
  readonly required: boolean;
  readonly verdict: CriterionVerdict;
  /** One line: why this verdict (which check failed, which waiver applied, why manual). */
  readonly reason: string;
  readonly checks: readonly CheckRecord[];
  readonly waiver?: WaiverRecord;
}

export interface BundleSummary {
  readonly criteria: number;
  readonly byVerdict: Readonly<Record<CriterionVerdict, number>>;
  /** Every required criterion passed or is waived. */
  readonly ok: boolean;
}

export interface EvidenceBundle {
  readonly format: typeof BUNDLE_FORMAT;
  /** Random id; the ledger anchor and the reports name the bundle by it. */
  readonly id: string;
  readonly plan: { readonly name: string; readonly path: string; readonly sha256: string };
  readonly environment: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly tool: { readonly name: 'bulwark'; readonly version: string; readonly node: string };
  readonly host: string;
  readonly criteria: readonly CriterionRecord[];
  readonly summary: BundleSummary;
}

/**
 * Detached signature over `bundle.json`'s exact bytes, with DSSE's pre-authentication encoding
 * (PAE(payloadType, payload)), so the type is bound into what was signed.
 */
export { SIGNATURE_FORMAT, type SignatureEnvelope } from '@bulwark/keys';
export const BUNDLE_PAYLOAD_TYPE = 'application/vnd.bulwark.evidence+json';
export const ATTESTATION_PAYLOAD_TYPE = 'application/vnd.bulwark.attestation+json';

/** anchor.json: the ledger entry holding the bundle's digest. */
export interface LedgerAnchor {
  readonly ledgerUrl: string;
  readonly seq: number;
  readonly entryHash: string;
  readonly time: string;
  readonly bundleSha256: string;
}

/** A manual criterion's signed statement (`bulwark plan attest`). */
export interface Attestation {
  readonly format: 'bulwark.attestation/v1';
  readonly plan: string;
  readonly criterion: string;
  readonly statement: string;
  readonly attestedBy: string;
  readonly attestedAt: string;
  readonly expiresAt: string;
}

/** What the runner hands to the bundle writer: the document and the artifact bytes it lists. */
export interface PlanRun {
  readonly bundle: EvidenceBundle;
  /** Keyed by ArtifactRecord.path. */
  readonly artifacts: ReadonlyMap<string, string | Uint8Array>;
}
