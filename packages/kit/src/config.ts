import { type Static, Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { ConfigError } from './errors.js';

const Millis = (def: number, max = 3_600_000) =>
  Type.Integer({ minimum: 0, maximum: max, default: def });

/** One typed, schema-validated object for everything the kit reads. */
export const ServiceConfigSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9-]{0,62}$' }),
    version: Type.String({ minLength: 1, maxLength: 64 }),
    environment: Type.Union(
      [Type.Literal('development'), Type.Literal('test'), Type.Literal('production')],
      { default: 'development' },
    ),
    http: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
        bodyLimitBytes: Type.Integer({ minimum: 1, default: 1_048_576 }),
        /** Deepest nesting of arrays and objects a JSON body may have; deeper is a 400. Bounded
         * well below what recursive code (JSON.stringify, a schema walk) can take on one stack. */
        maxJsonDepth: Type.Integer({ minimum: 1, maximum: 1_000, default: 64 }),
        keepAliveTimeoutMs: Millis(72_000),
        requestTimeoutMs: Millis(30_000),
      },
      { default: {}, additionalProperties: false },
    ),
    shutdown: Type.Object(
      {
        /** Keep serving after the signal, so load balancers see /ready fail first: Kubernetes'
         * readiness periodSeconds × failureThreshold. */
        drainDelayMs: Millis(5_000),
        /** Past this, the process exits non-zero whatever is still running. */
        deadlineMs: Millis(25_000),
      },
      { default: {}, additionalProperties: false },
    ),
    readiness: Type.Object(
      {
        intervalMs: Type.Integer({ minimum: 50, maximum: 600_000, default: 5_000 }),
        timeoutMs: Type.Integer({ minimum: 1, maximum: 60_000, default: 2_000 }),
      },
      { default: {}, additionalProperties: false },
    ),
    logging: Type.Object(
      {
        level: Type.Union(
          ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) =>
            Type.Literal(l),
          ),
          { default: 'info' },
        ),
        /** One line per completed request, at this level. */
        accessLog: Type.Union([Type.Literal('info'), Type.Literal('debug'), Type.Literal('off')], {
          default: 'info',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    tracing: Type.Object(
      {
        sampleRatio: Type.Number({ minimum: 0, maximum: 1, default: 1 }),
        otlpEndpoint: Type.Optional(Type.String({ pattern: '^https?://' })),
      },
      { default: {}, additionalProperties: false },
    ),
    metrics: Type.Object(
      {
        /** Upper bound on request-duration series; past it routes share one overflow label. */
        maxSeries: Type.Integer({ minimum: 10, maximum: 100_000, default: 2_000 }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type ServiceConfig = Static<typeof ServiceConfigSchema>;

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type ServiceConfigInput = Pick<ServiceConfig, 'name' | 'version'> &
  DeepPartial<Omit<ServiceConfig, 'name' | 'version'>>;

/** Environment variables the kit reads, and where each lands. Standard names where one exists. */
const ENV_BINDINGS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['NODE_ENV', ['environment']],
  ['HOST', ['http', 'host']],
  ['PORT', ['http', 'port']],
  ['BULWARK_SHUTDOWN_DRAIN_DELAY_MS', ['shutdown', 'drainDelayMs']],
  ['BULWARK_SHUTDOWN_DEADLINE_MS', ['shutdown', 'deadlineMs']],
  ['BULWARK_READINESS_INTERVAL_MS', ['readiness', 'intervalMs']],
  ['BULWARK_READINESS_TIMEOUT_MS', ['readiness', 'timeoutMs']],
  ['LOG_LEVEL', ['logging', 'level']],
  ['BULWARK_ACCESS_LOG', ['logging', 'accessLog']],
  ['OTEL_TRACES_SAMPLER_ARG', ['tracing', 'sampleRatio']],
  ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', ['tracing', 'otlpEndpoint']],
  ['BULWARK_METRICS_MAX_SERIES', ['metrics', 'maxSeries']],
];

const ajv = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, strict: false });
const validate = ajv.compile<ServiceConfig>(ServiceConfigSchema);

/**
 * Resolves the configuration: schema defaults, then what the code passes, then the environment
 * (operators win). Throws a ConfigError naming every bad field and the variable it came from.
 */
export function loadConfig(
  input: ServiceConfigInput,
  env: NodeJS.ProcessEnv = process.env,
): ServiceConfig {
  const merged = structuredClone(input) as Record<string, unknown>;
  const origin = new Map<string, string>();
  for (const [variable, path] of ENV_BINDINGS) {
    let value = env[variable];
    if (value === undefined || value === '') continue;
    if (variable === 'NODE_ENV' && !['development', 'test', 'production'].includes(value)) {
      value = 'development';
    }
    setPath(merged, path, value);
    origin.set(`/${path.join('/')}`, variable);
  }
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
    const base = env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '');
    setPath(merged, ['tracing', 'otlpEndpoint'], `${base}/v1/traces`);
    origin.set('/tracing/otlpEndpoint', 'OTEL_EXPORTER_OTLP_ENDPOINT');
  }
  if (validate(merged)) return merged;
  const problems = (validate.errors ?? []).map((e) => {
    const where = e.instancePath || '/';
    const from = origin.get(e.instancePath);
    const field = where.slice(1).replaceAll('/', '.') || 'config';
    const extra = (e.params as { additionalProperty?: string }).additionalProperty;
    const message = extra ? `has an unknown setting "${extra}"` : (e.message ?? 'is invalid');
    return `${field} ${message}${from ? ` (from ${from})` : ''}`;
  });
  throw new ConfigError(`invalid service configuration: ${problems.join('; ')}`);
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}
