import { mkdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { type Signer, sha256Hex } from '@bulwark/keys';
import { openDsse, signDsse } from '../attestation/dsse.js';
import {
  checkReleaseStatement,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_TYPE,
} from '../attestation/in-toto.js';
import { APPROVALS_DIR, readSmallFile, writeFileAtomically } from '../attestation/release-files.js';
import { ReleaseError } from '../errors.js';
import {
  APPROVAL_PREDICATE_TYPE,
  type ApprovalStatement,
  keyIdForFileName,
  ROLE_PATTERN,
} from './approval-statement.js';

/** The purpose @bulwark/keys' audit record names for an approval signature. */
export const APPROVAL_SIGNING_PURPOSE = 'release-approval';

export interface ApproveReleaseOptions {
  readonly attestationFile: string;
  /** The role approving (a key of signoff.roles). */
  readonly role: string;
  readonly signer: Signer;
  /** Approvals go to <outDir>/approvals/; verification reads them beside the attestation. */
  readonly outDir: string;
  readonly now: Date;
}

export interface ApprovedRelease {
  /** <outDir>/approvals/<role>-<key id>.json */
  readonly file: string;
  /** The attestation's version, as its statement names it. */
  readonly version: string;
}

/**
 * Signs one role's approval of an attestation: a DSSE envelope over an in-toto statement whose
 * subject is the attestation file by digest. The approver's key signs through its Signer
 * (audited). Whether this key may approve for this role is for verification to judge, against
 * the configured roles: the approver's side only refuses what is not an attestation at all.
 * ReleaseError (BW_RELEASE_APPROVAL) for an unreadable file, a file that is not a release
 * attestation, or a role that cannot be one.
 */
export async function approveRelease(options: ApproveReleaseOptions): Promise<ApprovedRelease> {
  const { attestationFile, role, signer, now } = options;
  if (!ROLE_PATTERN.test(role)) {
    fail(`role ${JSON.stringify(role)} is not a role name (lower case letters, digits, '-')`);
  }
  const read = await readSmallFile(attestationFile);
  if (!read.ok) fail(`cannot read attestation ${attestationFile}: ${read.code}`);
  const name = basename(attestationFile);
  const opened = openDsse(read.bytes.toString('utf8'), IN_TOTO_PAYLOAD_TYPE);
  if (!opened.ok) fail(`${name} ${opened.problem}`);
  const release = parseStatement(opened.payload);
  if (!release) fail(`${name} is not a release attestation`);

  const statement: ApprovalStatement = {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name, digest: { sha256: sha256Hex(read.bytes) } }],
    predicateType: APPROVAL_PREDICATE_TYPE,
    predicate: { role, approvedAt: now.toISOString() },
  };
  const envelope = await signDsse(
    signer,
    IN_TOTO_PAYLOAD_TYPE,
    Buffer.from(JSON.stringify(statement), 'utf8'),
    APPROVAL_SIGNING_PURPOSE,
  );
  const dir = join(resolve(options.outDir), APPROVALS_DIR);
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${role}-${keyIdForFileName(signer.keyId)}.json`);
  await writeFileAtomically(file, `${JSON.stringify(envelope, null, 2)}\n`);
  return { file, version: release.predicate.version };
}

function parseStatement(payload: Uint8Array) {
  try {
    const shape = checkReleaseStatement(JSON.parse(Buffer.from(payload).toString('utf8')));
    return shape.ok ? shape.value : undefined;
  } catch {
    return undefined;
  }
}

function fail(message: string): never {
  throw new ReleaseError('BW_RELEASE_APPROVAL', message);
}
