import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Verifier } from '@bulwark/keys';
import { openDsse, verifyDsse } from '../attestation/dsse.js';
import { IN_TOTO_PAYLOAD_TYPE } from '../attestation/in-toto.js';
import { readSmallFile } from '../attestation/release-files.js';
import { checkApprovalStatement } from './approval-statement.js';

/** Who may approve for each role: signoff.roles in bulwark.release.yaml. */
export type SignoffRoles = Readonly<Record<string, { readonly keys: readonly string[] }>>;

export interface Approval {
  readonly role: string;
  readonly keyId: string;
}

export interface ApprovalsCheck {
  /** Valid approvals, one per (role, key), sorted by role then key. */
  readonly approvals: readonly Approval[];
  /** One line per approval file that does not count, starting with its path (approvals/x.json). */
  readonly refused: readonly string[];
}

// Approvals are one per approver; a directory with more is not an approvals directory.
const MAX_APPROVAL_FILES = 1000;

/**
 * Reads every approvals/*.json and keeps those that count: a DSSE envelope over an approval
 * statement, signed by a key in `approverKeys` that `roles` lists for the role the statement
 * claims, whose subject is this attestation by digest. Never throws for what the files hold.
 */
export async function checkApprovals(options: {
  readonly dir: string;
  readonly attestationDigest: string;
  readonly approverKeys: Verifier;
  readonly roles: SignoffRoles;
}): Promise<ApprovalsCheck> {
  const files = await approvalFiles(options.dir);
  const refused: string[] = [];
  const counted = new Map<string, Approval>();
  for (const name of files.slice(0, MAX_APPROVAL_FILES)) {
    const judged = await judgeApproval(join(options.dir, name), options);
    if ('problem' in judged) refused.push(`approvals/${name} ${judged.problem}`);
    else counted.set(`${judged.role}\n${judged.keyId}`, judged);
  }
  if (files.length > MAX_APPROVAL_FILES) {
    refused.push(
      `approvals/ holds ${files.length} files; only the first ${MAX_APPROVAL_FILES} were read`,
    );
  }
  const approvals = [...counted.values()].sort((a, b) =>
    a.role === b.role ? (a.keyId < b.keyId ? -1 : 1) : a.role < b.role ? -1 : 1,
  );
  return { approvals, refused };
}

async function approvalFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    // Dot files are an interrupted atomic write's temporaries, never an approval.
    return entries
      .filter((e) => e.isFile() && e.name.endsWith('.json') && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

async function judgeApproval(
  file: string,
  options: {
    readonly attestationDigest: string;
    readonly approverKeys: Verifier;
    readonly roles: SignoffRoles;
  },
): Promise<Approval | { problem: string }> {
  const read = await readSmallFile(file);
  if (!read.ok) return { problem: `cannot be read: ${read.code}` };
  const opened = openDsse(read.bytes.toString('utf8'), IN_TOTO_PAYLOAD_TYPE);
  if (!opened.ok) return { problem: opened.problem };
  const signature = verifyDsse(opened.envelope, opened.payload, options.approverKeys);
  if (!signature.ok) {
    const by = signature.keyIds.join(', ');
    return {
      problem:
        signature.code === 'untrusted-key'
          ? `is signed by ${by}, which is not a trusted approver key`
          : `has a signature by ${by} that does not verify`,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(opened.payload).toString('utf8'));
  } catch {
    return { problem: 'signs a payload that is not JSON' };
  }
  const shape = checkApprovalStatement(value);
  if (!shape.ok) return { problem: `is not a release approval: ${shape.problem}` };
  const { role } = shape.value.predicate;
  const [subject] = shape.value.subject;
  if (subject?.digest.sha256 !== options.attestationDigest) {
    return {
      problem: `approves another attestation (${subject?.name}, sha256 ${subject?.digest.sha256})`,
    };
  }
  const allowed = options.roles[role];
  if (!allowed) return { problem: `approves as ${role}, which is not a sign-off role` };
  if (!allowed.keys.includes(signature.keyId)) {
    return { problem: `is signed by ${signature.keyId}, which may not approve as ${role}` };
  }
  return { role, keyId: signature.keyId };
}
