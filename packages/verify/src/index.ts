export * from './audit/index.js';
export { BUILTIN_CHECKS, defaultRegistry } from './checks/builtin.js';
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
export {
  type CadenceState,
  cadenceStates,
  DRILL_PREFIX,
  describeCadence,
  isDrill,
} from './checks/drill/cadence.js';
export {
  type DrillSchedule,
  drillSchedules,
  jobName,
  ScheduleError,
} from './checks/drill/schedule.js';
export { type CronSchedule, cronFor } from './checks/drill/schedule-cron.js';
export {
  type CronJobOptions,
  PLACEHOLDER_IMAGE,
  renderCronJobs,
  servicePorts,
} from './checks/drill/schedule-cronjob.js';
export {
  DEFAULT_SYSTEMD_COMMAND,
  renderSystemdUnits,
  type SystemdUnits,
} from './checks/drill/schedule-systemd.js';
export * from './checks/live/index.js';
export {
  ATTESTATION_FORMAT,
  AttestationError,
  type AttestationRecord,
  type AttestationState,
  readAttestations,
  type WriteAttestationOptions,
  writeAttestation,
} from './checks/manual/attestation.js';
export { CheckRegistry, DuplicateCheckError } from './checks/registry.js';
export {
  MANUAL_CHECK,
  PlanSelectionError,
  type RunPlanOptions,
  type RunProgress,
  runPlan,
} from './checks/run-plan.js';
export { createSharedServices, type SharedServicesOptions } from './checks/shared.js';
export * from './evidence/index.js';
export * from './evidence/model.js';
export * from './gate/index.js';
export { durationMs, formatDuration } from './plan/duration.js';
export * from './plan/import/index.js';
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
export { type SerializeOptions, serializePlan } from './plan/serialize.js';
export {
  planStatus,
  STATUS_COLUMNS,
  type StatusRow,
  type StatusSummary,
  statusCells,
  summarizeStatus,
} from './plan/status.js';
export {
  EVIDENCE_PREFIX,
  type WriteBackChange,
  type WriteBackResult,
  type WriteBackSkip,
  writeBack,
  writeBackMarkdown,
} from './plan/write-back.js';
// The audit exports renderConsole/renderJson/renderJunit for its own reports; the evidence
// bundle's reporters are exported under names that say what they render.
export {
  type ConsoleOptions as BundleConsoleOptions,
  type HtmlOptions as BundleHtmlOptions,
  ReportAssetError,
  renderConsole as renderBundleConsole,
  renderHtml as renderBundleHtml,
  renderJson as renderBundleJson,
  renderJunit as renderBundleJunit,
} from './report/index.js';
export { type ExpiryState, expiryState, expiryTime } from './waivers/expiry.js';
export { type WaiverLookup, waiversFor } from './waivers/plan-waivers.js';
