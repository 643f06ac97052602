export { type AdvisoryHit, advisoryHits } from './advisory-hits.js';
export { readDependencyWaivers } from './dependency-waivers.js';
export { type NpmAuditOutcome, type NpmAuditReport, runNpmAudit } from './npm-audit.js';
export {
  type ScanDependenciesOptions,
  scanDependencies,
  UNREACHABLE_FINDING_ID,
} from './scan-dependencies.js';
export { ADVISORY_SEVERITIES, type AdvisorySeverity, type BlockingSeverity } from './severity.js';
