import { drillDependencyCheck } from './drill/dependency.js';
import { drillKillCheck } from './drill/kill.js';
import { drillLoadCheck } from './drill/load.js';
import { drillRestoreCheck } from './drill/restore.js';
import { drillShutdownCheck } from './drill/shutdown.js';
import { drillSoakCheck } from './drill/soak.js';
import { apiVersionedCheck } from './live/api-versioned.js';
import { authEnforcedCheck } from './live/auth-enforced.js';
import { embeddingsCanaryCheck } from './live/embeddings-canary.js';
import { errorsProblemJsonCheck } from './live/errors-problem-json.js';
import { errorsSanitizedCheck } from './live/errors-sanitized.js';
import { headersSecurityCheck } from './live/headers-security.js';
import { ledgerVerifyCheck } from './live/ledger-verify.js';
import { metricsContractCheck } from './live/metrics-contract.js';
import { openApiServedCheck, openApiSnapshotCheck } from './live/openapi-contract.js';
import { probeContractCheck } from './live/probe-contract.js';
import { probeLatencyCheck } from './live/probe-latency.js';
import { ratelimitEnforcedCheck } from './live/ratelimit-enforced.js';
import { tlsCertificateCheck } from './live/tls-certificate.js';
import { tlsRedirectCheck } from './live/tls-redirect.js';
import {
  gateEgressDeniedCheck,
  gateModeCheck,
  gatePolicyCheck,
  gateTransitionsSignedCheck,
} from './live/tool-gate.js';
import { tracePropagationCheck } from './live/trace-propagation.js';
import { manualAttestationCheck } from './manual/attestation-check.js';
import { CheckRegistry } from './registry.js';
import { auditControlsCheck } from './static/audit-controls.js';

/** Every built-in check. Team-written checks and drills call `register` on the result. */
export const BUILTIN_CHECKS = [
  probeContractCheck,
  probeLatencyCheck,
  metricsContractCheck,
  tracePropagationCheck,
  errorsProblemJsonCheck,
  apiVersionedCheck,
  openApiServedCheck,
  openApiSnapshotCheck,
  authEnforcedCheck,
  errorsSanitizedCheck,
  headersSecurityCheck,
  tlsCertificateCheck,
  tlsRedirectCheck,
  ratelimitEnforcedCheck,
  ledgerVerifyCheck,
  embeddingsCanaryCheck,
  gateModeCheck,
  gatePolicyCheck,
  gateEgressDeniedCheck,
  gateTransitionsSignedCheck,
  auditControlsCheck,
  manualAttestationCheck,
  drillShutdownCheck,
  drillKillCheck,
  drillDependencyCheck,
  drillLoadCheck,
  drillRestoreCheck,
  drillSoakCheck,
] as const;

/** A fresh registry holding the built-in checks; callers may register more on it. */
export function defaultRegistry(): CheckRegistry {
  return new CheckRegistry(BUILTIN_CHECKS);
}
