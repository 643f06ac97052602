/**
 * The operational contract, written once. The kit serves it and `bulwark probe` checks it, so
 * the two cannot drift apart. This module has no dependencies: the CLI imports it without
 * loading Fastify or OpenTelemetry.
 */
export const ENDPOINTS = {
  live: '/live',
  startup: '/startup',
  ready: '/ready',
  health: '/health',
  metrics: '/metrics',
} as const;

/**
 * Outside production, GET here answers a deliberate 500, so a verifier can see an unexpected
 * error sanitized (http.faultRoute). Not a probe: it is not in ENDPOINTS.
 */
export const FAULT_ENDPOINT = '/__bulwark/fault';

export const METRICS = {
  requestDuration: 'http_server_request_duration_seconds',
  requestsInFlight: 'http_server_requests_in_flight',
  startupSeconds: 'service_startup_seconds',
  shutdownSeconds: 'service_shutdown_seconds',
  readinessLastSuccess: 'readiness_last_success_timestamp_seconds',
  buildInfo: 'build_info',
  workerHeartbeat: 'worker_last_heartbeat_timestamp_seconds',
  seriesDropped: 'metrics_series_dropped_total',
} as const;

/** Families every kit process exposes, service or worker. */
const PROCESS_METRIC_FAMILIES: readonly string[] = [
  METRICS.startupSeconds,
  METRICS.shutdownSeconds,
  METRICS.readinessLastSuccess,
  METRICS.buildInfo,
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
];

/** Families a kit HTTP service exposes. */
export const SERVICE_METRIC_FAMILIES: readonly string[] = [
  ...PROCESS_METRIC_FAMILIES,
  METRICS.requestDuration,
  METRICS.requestsInFlight,
  METRICS.seriesDropped,
];

/** Families a kit worker exposes on its ops port. */
export const WORKER_METRIC_FAMILIES: readonly string[] = [
  ...PROCESS_METRIC_FAMILIES,
  METRICS.workerHeartbeat,
];

export const HEADERS = {
  requestId: 'x-request-id',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  /** W3C Trace Context Level 2: tells the caller which trace the server recorded. */
  traceresponse: 'traceresponse',
} as const;

/** Route label shared by every request that matched no route, so scanners cannot mint series. */
export const UNMATCHED_ROUTE = '__unmatched__';
/** Route label used once the series cap is reached. */
export const OVERFLOW_ROUTE = '__overflow__';
