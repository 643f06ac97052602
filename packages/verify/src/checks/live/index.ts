/**
 * The HTTP client and contract checks `bulwark probe` and `bulwark verify` share (the CLI's
 * probe imports them from here, so both commands judge a service the same way).
 */
export { describeBody, headerOf, jsonObjectOf, oneLine } from './answer.js';
export {
  type AuthEnforcedParamsValue,
  authEnforcedCheck,
  judgeAuthEnforced,
} from './auth-enforced.js';
export {
  type ErrorsSanitizedParamsValue,
  errorsSanitizedCheck,
  FAULT_PLANTED_TEXT,
  judgeErrorsSanitized,
} from './errors-sanitized.js';
export {
  type HeadersSecurityParamsValue,
  headersSecurityCheck,
  judgeHeadersSecurity,
  judgeSecurityHeaders,
} from './headers-security.js';
export type { ClientAccess, TlsTrust } from './http.js';
export {
  type Answer,
  type Exchange,
  type Failure,
  type FailureCause,
  type GetOptions,
  HttpProbeClient,
  type HttpProbeClientOptions,
  isUnreachable,
  type RequestOptions,
} from './http.js';
export { type LatencySummary, roundMs, summarize } from './latency.js';
export type { LiveRun } from './live-check.js';
export {
  endpointUrl,
  type ProbeCheckId,
  type ProbeCheckResult,
  type ProbeContext,
  type ProbeMeasurements,
  runMetricsCheck,
  runReachableCheck,
  runSampledCheck,
  runTraceCheck,
  SAMPLED_CHECKS,
} from './probe-checks.js';
export { runSecurityProbeChecks, type SecurityProbeOptions } from './probe-security.js';
export {
  type MetricFamily,
  type MetricType,
  type ParseResult,
  parsePrometheusText,
  type Sample,
} from './prometheus-text.js';
export {
  judgeRatelimitEnforced,
  type RatelimitEnforcedParamsValue,
  ratelimitEnforcedCheck,
  retryAfterMs,
} from './ratelimit-enforced.js';
export {
  DEFAULT_API_KEY_HEADER,
  loadServiceAccess,
  type ServiceAccess,
  ServiceAccessError,
  type ServiceAccessSpec,
} from './service-access.js';
export {
  createServiceTarget,
  type ServiceTarget,
  type ServiceTargetOptions,
} from './service-target.js';
export {
  judgeTlsCertificate,
  type TlsCertificateParamsValue,
  tlsCertificateCheck,
} from './tls-certificate.js';
export {
  judgeTlsRedirect,
  type RedirectRun,
  type TlsRedirectParamsValue,
  tlsRedirectCheck,
} from './tls-redirect.js';
