/**
 * The HTTP client and contract checks `bulwark probe` and `bulwark verify` share (the CLI's
 * probe imports them from here, so both commands judge a service the same way).
 */
export { describeBody, headerOf, jsonObjectOf, oneLine } from './answer.js';
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
export {
  type MetricFamily,
  type MetricType,
  type ParseResult,
  parsePrometheusText,
  type Sample,
} from './prometheus-text.js';
