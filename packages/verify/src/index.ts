export * from './audit/index.js';
export type {
  AnyCheckPlugin,
  ArtifactInput,
  CheckContext,
  CheckOutcome,
  CheckPlugin,
  CheckStatus,
  Measurements,
  SampleSeries,
  SharedServices,
} from './checks/check.js';
export { CheckRegistry, DuplicateCheckError } from './checks/registry.js';
export {
  MANUAL_CHECK,
  PlanSelectionError,
  type RunPlanOptions,
  type RunProgress,
  runPlan,
} from './checks/run-plan.js';
export * from './evidence/model.js';
export {
  preAuthEncoding,
  type SignatureCheck,
  sha256Hex,
  signPayload,
  verifyPayload,
} from './evidence/signature.js';
export { durationMs, formatDuration } from './plan/duration.js';
export {
  describePath,
  type LoadedPlan,
  loadPlan,
  PlanError,
  type PlanVariables,
  parsePlan,
} from './plan/load.js';
export { PUBLISHED_SCHEMAS } from './plan/published-schemas.js';
export * from './plan/schema.js';
export { type ExpiryState, expiryState, expiryTime } from './waivers/expiry.js';
export { type WaiverLookup, waiversFor } from './waivers/plan-waivers.js';
