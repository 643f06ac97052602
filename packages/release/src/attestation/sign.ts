import { mkdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { type Signer, sha256Hex } from '@bulwark/keys';
import { ReleaseError } from '../errors.js';
import { signDsse } from './dsse.js';
import {
  checkReleaseStatement,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_TYPE,
  RELEASE_PREDICATE_TYPE,
  type ReleaseStatement,
} from './in-toto.js';
import { recordInLedger } from './ledger-record.js';
import {
  attestationFileName,
  ledgerReceiptPath,
  sha256OfFile,
  writeFileAtomically,
} from './release-files.js';

/** The purpose @bulwark/keys' audit record names for an attestation signature. */
export const ATTESTATION_SIGNING_PURPOSE = 'release-attestation';

/** A package tarball to attest; pack/'s PackedTarball has these fields. */
export interface ReleaseTarball {
  /** Absolute path of the .tgz. */
  readonly file: string;
  /** Hex SHA-256 the packer computed; checked against the file before signing. */
  readonly sha256: string;
}

export interface SignReleaseOptions {
  readonly version: string;
  /** The commit released (git rev-parse HEAD). */
  readonly commit: string;
  /** Its tree (git rev-parse HEAD^{tree}): names the source bytes whatever the commit metadata. */
  readonly treeHash: string;
  readonly tarballs: readonly ReleaseTarball[];
  readonly sbom: { readonly file: string; readonly sha256: string };
  /** The evidence bundle the gate accepted: its directory and bundle.json's SHA-256. */
  readonly evidence?: { readonly bundleDir: string; readonly sha256: string };
  readonly signer: Signer;
  readonly outDir: string;
  /** Record the attestation in this ledger service. */
  readonly ledgerUrl?: string;
  readonly now: Date;
}

export interface SignedRelease {
  /** <outDir>/release-<version>.intoto.jsonl */
  readonly file: string;
  /** SHA-256 of the attestation file's bytes: what approvals and the ledger name. */
  readonly digest: string;
  /** The ledger entry, when recorded. */
  readonly ledgerSeq?: number;
  /** <outDir>/release-<version>.ledger.json, when recorded. */
  readonly ledgerFile?: string;
}

// Goes into a file name: semver characters only, so no version can name a path.
const VERSION = /^[0-9A-Za-z][0-9A-Za-z.+-]{0,127}$/;
const GIT_OBJECT = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Writes the release attestation: an in-toto Statement v1 naming every tarball by digest, the
 * commit and source tree, the SBOM and the evidence bundle, in a DSSE envelope signed through
 * `signer` (audited, HSM-capable) as one JSON line, release-<version>.intoto.jsonl. With
 * `ledgerUrl`, the file's digest is appended to the ledger and the receipt written beside it.
 * Tarballs and the SBOM are hashed again first: a file changed since it was packed is refused,
 * never attested. ReleaseError (BW_RELEASE_ATTESTATION) for bad input or a refused ledger.
 */
export async function signRelease(options: SignReleaseOptions): Promise<SignedRelease> {
  const statement = await releaseStatement(options);
  const statementBytes = Buffer.from(JSON.stringify(statement), 'utf8');
  const envelope = await signDsse(
    options.signer,
    IN_TOTO_PAYLOAD_TYPE,
    statementBytes,
    ATTESTATION_SIGNING_PURPOSE,
  );
  const line = `${JSON.stringify(envelope)}\n`;
  const outDir = resolve(options.outDir);
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, attestationFileName(options.version));
  await writeFileAtomically(file, line);
  const digest = sha256Hex(line);
  if (options.ledgerUrl === undefined) return { file, digest };

  const receipt = await recordInLedger({
    ledgerUrl: options.ledgerUrl,
    attestationFile: file,
    actor: options.signer.keyId,
    payload: { version: options.version, digest, statementSha256: sha256Hex(statementBytes) },
  });
  return {
    file,
    digest,
    ledgerSeq: receipt.seq,
    ledgerFile: ledgerReceiptPath(file),
  };
}

async function releaseStatement(options: SignReleaseOptions): Promise<ReleaseStatement> {
  const { version, commit, treeHash, tarballs, sbom, evidence } = options;
  if (!VERSION.test(version)) fail(`version ${JSON.stringify(version)} is not a release version`);
  if (!GIT_OBJECT.test(commit)) fail(`commit ${JSON.stringify(commit)} is not a git object id`);
  if (!GIT_OBJECT.test(treeHash)) fail(`tree ${JSON.stringify(treeHash)} is not a git object id`);
  if (tarballs.length === 0) fail('no package tarballs to attest');
  if (evidence && !SHA256.test(evidence.sha256)) {
    fail('the evidence bundle digest is not a hex SHA-256');
  }

  const subject = [];
  const names = new Set<string>();
  for (const tarball of tarballs) {
    const name = basename(tarball.file);
    if (names.has(name)) fail(`two tarballs are named ${name}`);
    names.add(name);
    await expectDigest(tarball.file, tarball.sha256, `tarball ${name}`);
    subject.push({ name, digest: { sha256: tarball.sha256 } });
  }
  await expectDigest(sbom.file, sbom.sha256, `SBOM ${basename(sbom.file)}`);
  // Sorted, so the same release attests the same subject list whatever order packing took.
  subject.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const statement: ReleaseStatement = {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject,
    predicateType: RELEASE_PREDICATE_TYPE,
    predicate: {
      version,
      commit,
      sourceTree: { gitTree: treeHash },
      sbom: { name: basename(sbom.file), sha256: sbom.sha256 },
      ...(evidence
        ? { evidence: { bundle: basename(evidence.bundleDir), sha256: evidence.sha256 } }
        : {}),
      builtAt: options.now.toISOString(),
    },
  };
  // What verification will demand, checked before anything is signed.
  const shape = checkReleaseStatement(statement);
  if (!shape.ok) fail(`the release statement is invalid: ${shape.problem}`);
  return statement;
}

async function expectDigest(file: string, expected: string, what: string): Promise<void> {
  if (!SHA256.test(expected)) fail(`${what}: ${JSON.stringify(expected)} is not a hex SHA-256`);
  let actual: string;
  try {
    actual = await sha256OfFile(file);
  } catch (error) {
    fail(`cannot read ${what} (${file}): ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  if (actual !== expected) fail(`${what} changed after it was packed (its SHA-256 differs)`);
}

function fail(message: string): never {
  throw new ReleaseError('BW_RELEASE_ATTESTATION', message);
}
