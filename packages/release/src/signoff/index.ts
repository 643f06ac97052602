export {
  APPROVAL_PREDICATE_TYPE,
  type ApprovalStatement,
  keyIdForFileName,
  ROLE_PATTERN,
} from './approval-statement.js';
export {
  APPROVAL_SIGNING_PURPOSE,
  type ApprovedRelease,
  type ApproveReleaseOptions,
  approveRelease,
} from './approve.js';
export {
  type Approval,
  type ApprovalsCheck,
  checkApprovals,
  type SignoffRoles,
} from './check-approvals.js';
