/**
 * The parser moved to @bulwark/verify (checks/live/prometheus-text.ts), which `bulwark probe` and
 * `bulwark verify` share; this name stays for the CLI's tests of it.
 */
export {
  type MetricFamily,
  type MetricType,
  type ParseResult,
  parsePrometheusText,
  type Sample,
} from '@bulwark/verify';
