import type { Verifier } from '@bulwark/keys';
import { type SignatureCheck, verifyPayload } from '@bulwark/keys';
import { type ArtifactCheck, checkArtifacts } from './artifact-check.js';
import { type AnchorCheck, checkAnchor, type LedgerTrust } from './inclusion.js';
import { BUNDLE_PAYLOAD_TYPE } from './model.js';
import { readAnchor, readBundle, readSignature } from './read.js';

export interface VerifyBundleOptions {
  /** Trusted public keys: the bundle's signing key must be one of them. */
  readonly keyring: Verifier;
  /** Also prove the bundle's ledger anchor (anchor.json) against this ledger. */
  readonly ledger?: LedgerTrust;
}

export interface BundleVerification {
  /** Signature valid, every artifact as listed, and (with a ledger) included. */
  readonly ok: boolean;
  readonly dir: string;
  readonly bundle: {
    readonly id: string;
    readonly plan: string;
    readonly environment: string;
    readonly finishedAt: string;
    /** SHA-256 of bundle.json, hex. */
    readonly sha256: string;
  };
  readonly signature: SignatureCheck;
  readonly artifacts: readonly ArtifactCheck[];
  readonly anchor?: AnchorCheck;
  /** One line per reason the bundle is not valid. */
  readonly problems: readonly string[];
  /** What the verdict does not cover (a checkpoint signature not checked). */
  readonly warnings: readonly string[];
}

/**
 * Checks a bundle offline (signature over bundle.json's bytes, every artifact's digest) and,
 * given a ledger, its inclusion there. BundleError (corrupt: a file missing or unparseable) and
 * LedgerQueryError (the ledger could not be asked) are thrown; everything the check finds wrong
 * is in the result.
 */
export async function verifyBundle(
  dir: string,
  options: VerifyBundleOptions,
): Promise<BundleVerification> {
  const loaded = await readBundle(dir);
  const envelope = await readSignature(dir);
  const anchorFile = options.ledger ? await readAnchor(dir) : undefined;
  const { bundle } = loaded;
  const signature = verifyPayload(envelope, loaded.bytes, BUNDLE_PAYLOAD_TYPE, options.keyring);
  const artifacts = await checkArtifacts(dir, bundle);
  const anchor = options.ledger ? await checkAnchor(loaded, anchorFile, options.ledger) : undefined;

  const problems: string[] = [];
  if (!signature.ok) problems.push(`bundle.json: ${signature.message}`);
  for (const a of artifacts) if (!a.ok) problems.push(`${a.path}: ${a.problem}`);
  if (anchor && !anchor.ok) problems.push(`ledger: ${anchor.problem}`);
  const warnings: string[] = [];
  if (anchor?.checkpoint && !anchor.checkpoint.signatureChecked) {
    warnings.push(
      "the ledger checkpoint's signature was NOT checked (no ledger key given): inclusion is proven " +
        'only against the tree head the ledger served',
    );
  }
  return {
    ok: problems.length === 0,
    dir,
    bundle: {
      id: bundle.id,
      plan: bundle.plan.name,
      environment: bundle.environment,
      finishedAt: bundle.finishedAt,
      sha256: loaded.sha256,
    },
    signature,
    artifacts,
    ...(anchor ? { anchor } : {}),
    problems,
    warnings,
  };
}
