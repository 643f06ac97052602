import { type Static, Type } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import { AuthConfigSchema, JWT_HMAC_ALGORITHMS } from './auth/auth-config.js';
import { ConfigError } from './errors.js';
import { RateLimitConfigSchema } from './limits/rate-limit-config.js';
import { parseRateLimitRules } from './limits/rate-limit-rules-text.js';
import { OpenApiConfigSchema } from './openapi/openapi-config.js';
import { OutboundConfigSchema } from './resilience/outbound-config.js';
import { SecretsConfigSchema } from './secrets/secrets-config.js';
import { SheddingConfigSchema } from './shedding/shedding-config.js';
import { SecurityHeadersConfigSchema, TlsConfigSchema } from './tls/tls-config.js';

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
        /**
         * GET /__bulwark/fault answers a deliberate 500, so a verifier can see that an
         * unexpected error is sanitized. Defaults to on outside production.
         */
        faultRoute: Type.Optional(Type.Boolean()),
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
    auth: AuthConfigSchema,
    rateLimit: RateLimitConfigSchema,
    shedding: SheddingConfigSchema,
    outbound: OutboundConfigSchema,
    tls: TlsConfigSchema,
    securityHeaders: SecurityHeadersConfigSchema,
    secrets: SecretsConfigSchema,
    openapi: OpenApiConfigSchema,
  },
  { additionalProperties: false },
);

export type ServiceConfig = Static<typeof ServiceConfigSchema>;

/** Every setting with a default may be left out, at any depth; arrays are given whole. */
type DeepPartial<T> = {
  [K in keyof T]?: NonNullable<T[K]> extends readonly unknown[]
    ? T[K]
    : NonNullable<T[K]> extends object
      ? DeepPartial<NonNullable<T[K]>>
      : T[K];
};
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
  ['BULWARK_FAULT_ROUTE', ['http', 'faultRoute']],
  ['BULWARK_AUTH', ['auth', 'mode']],
  ['BULWARK_API_KEYS', ['auth', 'apiKeys', 'source']],
  ['BULWARK_RATE_LIMIT', ['rateLimit', 'enabled']],
  ['REDIS_URL', ['rateLimit', 'redisUrl']],
  ['BULWARK_RATE_LIMIT_ON_STORE_ERROR', ['rateLimit', 'onStoreError']],
  ['BULWARK_RATE_LIMIT_STORE_TIMEOUT_MS', ['rateLimit', 'storeTimeoutMs']],
  ['BULWARK_SHEDDING', ['shedding', 'enabled']],
  ['BULWARK_TLS_CERT_FILE', ['tls', 'certFile']],
  ['BULWARK_TLS_KEY_FILE', ['tls', 'keyFile']],
  ['BULWARK_TLS_CA_FILE', ['tls', 'caFile']],
  ['BULWARK_TLS_CLIENT_CERTS', ['tls', 'clientCertificates']],
  ['BULWARK_TLS_REDIRECT_PORT', ['tls', 'redirectPort']],
  ['BULWARK_SECRETS_DIR', ['secrets', 'dir']],
  ['BULWARK_SECRETS_ENV', ['secrets', 'env']],
  ['BULWARK_OPENAPI', ['openapi', 'enabled']],
  ['BULWARK_OPENAPI_DOCS', ['openapi', 'docs']],
];

let compiled: ValidateFunction<ServiceConfig> | undefined;

/**
 * Compiled on first use and kept: compiling the whole configuration schema when the module loaded
 * cost every importer of the kit (the CLI and the verifier, which never load a configuration)
 * tens of milliseconds.
 */
function configValidator(): ValidateFunction<ServiceConfig> {
  compiled ??= new Ajv({
    allErrors: true,
    coerceTypes: true,
    useDefaults: true,
    strict: false,
  }).compile<ServiceConfig>(ServiceConfigSchema);
  return compiled;
}

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
  if (env.BULWARK_RATE_LIMIT_RULES) {
    const rules = parseRateLimitRules(env.BULWARK_RATE_LIMIT_RULES, 'BULWARK_RATE_LIMIT_RULES');
    setPath(merged, ['rateLimit', 'rules'], rules);
    origin.set('/rateLimit/rules', 'BULWARK_RATE_LIMIT_RULES');
  }
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
    const base = env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '');
    setPath(merged, ['tracing', 'otlpEndpoint'], `${base}/v1/traces`);
    origin.set('/tracing/otlpEndpoint', 'OTEL_EXPORTER_OTLP_ENDPOINT');
  }
  const validate = configValidator();
  if (validate(merged)) {
    const inconsistent = inconsistencies(merged);
    if (inconsistent.length === 0) return merged;
    throw new ConfigError(`invalid service configuration: ${inconsistent.join('; ')}`);
  }
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

/** What one schema cannot say: settings that only make sense together. */
function inconsistencies(config: ServiceConfig): string[] {
  const problems: string[] = [];
  const { jwt } = config.auth;
  if (jwt) {
    const hmac = jwt.algorithms.filter((a) =>
      (JWT_HMAC_ALGORITHMS as readonly string[]).includes(a),
    );
    // A verifier that takes both HS and asymmetric algorithms can be handed an HS token signed
    // with the public key as the secret (algorithm confusion): one family per verifier.
    if (hmac.length > 0 && hmac.length < jwt.algorithms.length) {
      problems.push('auth.jwt.algorithms mixes HS and asymmetric algorithms; choose one family');
    }
    if (hmac.length > 0 && jwt.secret === undefined) {
      problems.push('auth.jwt.algorithms are HS*, which need auth.jwt.secret (a secret reference)');
    }
    if (hmac.length === 0 && jwt.jwksUrl === undefined && jwt.publicKeyFile === undefined) {
      problems.push('auth.jwt needs jwksUrl or publicKeyFile for its algorithms');
    }
    if (hmac.length === 0 && jwt.secret !== undefined) {
      problems.push('auth.jwt.secret is only for HS* algorithms');
    }
  }
  if (config.auth.clientCertificates?.length && config.tls.clientCertificates === 'none') {
    problems.push('auth.clientCertificates needs tls.clientCertificates optional or required');
  }
  for (const entry of config.auth.clientCertificates ?? []) {
    if (!entry.fingerprint256 && !entry.commonName && !entry.uri) {
      problems.push(
        `auth.clientCertificates for ${entry.subject} matches nothing: give fingerprint256, commonName or uri`,
      );
    }
  }
  const { tls } = config;
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    problems.push('tls.certFile and tls.keyFile go together');
  }
  if (tls.clientCertificates !== 'none' && tls.caFile === undefined) {
    problems.push(`tls.clientCertificates ${tls.clientCertificates} needs tls.caFile`);
  }
  if (
    tls.certFile === undefined &&
    (tls.clientCertificates !== 'none' || tls.redirectPort !== undefined)
  ) {
    problems.push('tls.clientCertificates and tls.redirectPort need tls.certFile and tls.keyFile');
  }
  if (config.openapi.docs === true && !config.openapi.enabled) {
    problems.push('openapi.docs (Swagger UI) needs openapi.enabled: it renders the document');
  }
  if (config.secrets.env && config.environment === 'production') {
    problems.push('secrets.env (secrets from environment variables) is refused in production');
  }
  return problems;
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
