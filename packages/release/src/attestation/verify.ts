import { basename, dirname, join, resolve } from 'node:path';
import { sha256Hex, type Verifier } from '@bulwark/keys';
import type { LedgerEntryInclusion, LedgerTrust } from '@bulwark/verify';
import { ReleaseError } from '../errors.js';
import { type Approval, checkApprovals, type SignoffRoles } from '../signoff/check-approvals.js';
import { openDsse, verifyDsse } from './dsse.js';
import { checkReleaseStatement, IN_TOTO_PAYLOAD_TYPE, type ReleaseStatement } from './in-toto.js';
import { proveRecorded } from './ledger-record.js';
import { APPROVALS_DIR, readSmallFile, sha256OfFile } from './release-files.js';

export interface VerifyReleaseOptions {
  readonly attestationFile: string;
  /** Recompute every attested tarball's SHA-256 from this directory. */
  readonly tarballDir?: string;
  /** Keys trusted to sign release attestations. */
  readonly releaseKeys: Verifier;
  /** Keys trusted to approve; each must also be listed for the role it approves as. */
  readonly approverKeys: Verifier;
  readonly roles: SignoffRoles;
  /** How many distinct roles must approve; every role by default. */
  readonly required?: number;
  /** Prove the attestation's ledger entry (release-<version>.ledger.json) in this ledger. */
  readonly ledger?: LedgerTrust;
  readonly now: Date;
}

export type ReleaseProblemCode =
  | 'attestation-malformed'
  | 'untrusted-key'
  | 'bad-signature'
  | 'statement-invalid'
  | 'approval-refused'
  | 'approvals-missing'
  | 'tarball-missing'
  | 'tarball-changed'
  | 'ledger-unproven';

export interface ReleaseProblem {
  readonly code: ReleaseProblemCode;
  /** One line, naming the file, tarball, key or role concerned. */
  readonly message: string;
}

export interface ReleaseVerification {
  readonly ok: boolean;
  /** The version the statement names, when it could be read. */
  readonly version?: string;
  readonly problems: readonly ReleaseProblem[];
  /** Approvals that count, one per (role, key). */
  readonly approvals: readonly Approval[];
  readonly checked: {
    readonly attestation: string;
    /** SHA-256 of the attestation file's bytes. */
    readonly digest: string;
    /** The trusted key whose signature verified. */
    readonly signedBy?: string;
    /** Tarballs the statement names. */
    readonly subjects: number;
    /** Tarballs whose bytes in tarballDir match, when tarballDir was given. */
    readonly tarballsMatched?: number;
    readonly approvedRoles: readonly string[];
    readonly requiredRoles: number;
    /** The ledger proof, when a ledger was given. */
    readonly ledger?: LedgerEntryInclusion;
    readonly at: string;
  };
}

/**
 * Verifies a release: the attestation's DSSE signature by a trusted release key, its statement,
 * the approvals beside it (trusted approver keys, listed for their role, over this attestation's
 * digest) against the number of roles required, each tarball's bytes when `tarballDir` is given,
 * and its ledger entry's inclusion when `ledger` is given. Everything wrong is a problem in the
 * result; ReleaseError (BW_RELEASE_ATTESTATION) only when the attestation file cannot be read or
 * the ledger cannot be asked.
 */
export async function verifyRelease(options: VerifyReleaseOptions): Promise<ReleaseVerification> {
  const attestationFile = resolve(options.attestationFile);
  const name = basename(attestationFile);
  const read = await readSmallFile(attestationFile);
  if (!read.ok) {
    throw new ReleaseError(
      'BW_RELEASE_ATTESTATION',
      `cannot read attestation ${attestationFile}: ${read.code}`,
    );
  }
  const digest = sha256Hex(read.bytes);
  const problems: ReleaseProblem[] = [];
  const problem = (code: ReleaseProblemCode, message: string) => problems.push({ code, message });

  const { signedBy, statement, statementSha256 } = judgeAttestation(
    read.bytes,
    name,
    options.releaseKeys,
    problem,
  );

  const signoff = await checkApprovals({
    dir: join(dirname(attestationFile), APPROVALS_DIR),
    attestationDigest: digest,
    approverKeys: options.approverKeys,
    roles: options.roles,
  });
  for (const refused of signoff.refused) problem('approval-refused', refused);
  const roleNames = Object.keys(options.roles).sort();
  const requiredRoles = options.required ?? roleNames.length;
  const approvedRoles = [...new Set(signoff.approvals.map((a) => a.role))];
  const missing = missingApprovals(roleNames, approvedRoles, requiredRoles);
  if (missing) problem('approvals-missing', missing);

  const tarballsMatched =
    statement && options.tarballDir !== undefined
      ? await checkTarballs(options.tarballDir, statement, problem)
      : undefined;

  let ledger: LedgerEntryInclusion | undefined;
  if (options.ledger) {
    ledger =
      statement && statementSha256 && signedBy
        ? await proveRecorded(
            {
              attestationFile,
              version: statement.predicate.version,
              digest,
              statementSha256,
              signedBy,
            },
            options.ledger,
          )
        : { ok: false, problem: 'not checked: the attestation itself does not verify' };
    if (!ledger.ok) problem('ledger-unproven', `ledger: ${ledger.problem}`);
  }

  return {
    ok: problems.length === 0,
    ...(statement ? { version: statement.predicate.version } : {}),
    problems,
    approvals: signoff.approvals,
    checked: {
      attestation: attestationFile,
      digest,
      ...(signedBy ? { signedBy } : {}),
      subjects: statement?.subject.length ?? 0,
      ...(tarballsMatched !== undefined ? { tarballsMatched } : {}),
      approvedRoles,
      requiredRoles,
      ...(ledger ? { ledger } : {}),
      at: options.now.toISOString(),
    },
  };
}

type ProblemSink = (code: ReleaseProblemCode, message: string) => void;

/** The envelope's signature by a trusted release key, and the statement it carries. */
function judgeAttestation(
  bytes: Buffer,
  name: string,
  releaseKeys: Verifier,
  problem: ProblemSink,
): { signedBy?: string; statement?: ReleaseStatement; statementSha256?: string } {
  const opened = openDsse(bytes.toString('utf8'), IN_TOTO_PAYLOAD_TYPE);
  if (!opened.ok) {
    problem('attestation-malformed', `${name} ${opened.problem}`);
    return {};
  }
  const signature = verifyDsse(opened.envelope, opened.payload, releaseKeys);
  const by = signature.ok ? signature.keyId : signature.keyIds.join(', ');
  if (!signature.ok && signature.code === 'untrusted-key') {
    problem('untrusted-key', `${name} is signed by ${by}, which is not a trusted release key`);
  } else if (!signature.ok) {
    problem(
      'bad-signature',
      `${name}: the signature by ${by} does not verify (the attestation was altered after signing, or another key signed it)`,
    );
  }
  const parsed = parseStatement(opened.payload);
  if (!parsed.ok) {
    problem('statement-invalid', `${name} does not hold a release statement: ${parsed.problem}`);
  }
  return {
    ...(signature.ok ? { signedBy: signature.keyId } : {}),
    ...(parsed.ok ? { statement: parsed.value, statementSha256: sha256Hex(opened.payload) } : {}),
  };
}

/** Recomputes each attested tarball's digest in `dir`; answers how many match. */
async function checkTarballs(
  dir: string,
  statement: ReleaseStatement,
  problem: ProblemSink,
): Promise<number> {
  let matched = 0;
  for (const subject of statement.subject) {
    const found = await tarballProblem(dir, subject.name, subject.digest.sha256);
    if (found) problem(found.code, found.message);
    else matched++;
  }
  return matched;
}

function parseStatement(payload: Uint8Array): ReturnType<typeof checkReleaseStatement> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    return { ok: false, problem: 'the payload is not JSON' };
  }
  return checkReleaseStatement(value);
}

/** The line naming the roles still needed, or undefined when enough distinct roles approved. */
function missingApprovals(
  roles: readonly string[],
  approved: readonly string[],
  required: number,
): string | undefined {
  if (approved.length >= required) return undefined;
  const unapproved = roles.filter((r) => !approved.includes(r));
  const needed = required - approved.length;
  const have = `${approved.length} of ${required} required role approvals`;
  if (unapproved.length < needed) {
    return `${have}, and only ${roles.length} roles are configured: the requirement cannot be met`;
  }
  return needed === unapproved.length
    ? `${have}; still needed: ${unapproved.join(', ')}`
    : `${have}; still needed: ${needed} more from ${unapproved.join(', ')}`;
}

async function tarballProblem(
  dir: string,
  name: string,
  attested: string,
): Promise<ReleaseProblem | undefined> {
  let actual: string;
  try {
    actual = await sha256OfFile(join(dir, name));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return {
      code: 'tarball-missing',
      message:
        code === 'ENOENT' ? `${name} is missing from ${dir}` : `${name} cannot be read: ${code}`,
    };
  }
  return actual === attested
    ? undefined
    : {
        code: 'tarball-changed',
        message: `${name} changed after signing (sha256 ${actual}, attested ${attested})`,
      };
}
