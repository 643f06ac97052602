import { type Static, Type } from '@sinclair/typebox';
import { IN_TOTO_STATEMENT_TYPE, SubjectSchema, shapeChecker } from '../attestation/in-toto.js';

export const APPROVAL_PREDICATE_TYPE = 'https://bulwark.dev/attestations/release-approval/v1';

/** The same pattern bulwark.release.yaml's signoff.roles keys follow; it goes into a file name. */
export const ROLE_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;

/**
 * One approver's sign-off: an in-toto statement whose single subject is the attestation file, by
 * digest, so an approval can never be moved to another release.
 */
export const ApprovalStatementSchema = Type.Object({
  _type: Type.Literal(IN_TOTO_STATEMENT_TYPE),
  subject: Type.Array(SubjectSchema, { minItems: 1, maxItems: 1 }),
  predicateType: Type.Literal(APPROVAL_PREDICATE_TYPE),
  predicate: Type.Object({
    role: Type.String({ pattern: ROLE_PATTERN.source }),
    approvedAt: Type.String({ minLength: 1, maxLength: 64 }),
  }),
});
export type ApprovalStatement = Static<typeof ApprovalStatementSchema>;

export const checkApprovalStatement = shapeChecker(ApprovalStatementSchema);

/** A key id as part of a file name: `release-manager/v2` → `release-manager-v2`. */
export function keyIdForFileName(keyId: string): string {
  return keyId.replace(/[^A-Za-z0-9._-]/g, '-');
}
