import { type Static, Type } from '@sinclair/typebox';

/**
 * The plan file, `bulwark.plan.yaml`: one TypeBox schema is both the TypeScript type and the
 * JSON Schema published at `schemas/bulwark.plan.schema.json` (`npm run schemas` regenerates
 * it; a test fails when the published copy drifts).
 */
export const PLAN_FORMAT = 'bulwark.plan/v1';

const Id = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
  maxLength: 120,
  description: 'letters, digits, dot, underscore and dash; starts with a letter or digit',
});
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Text = Type.String({ minLength: 1, maxLength: 4000 });
/** `30s`, `15m`, `24h`, `7d`: the units plans use for ages and timeouts. */
export const DURATION_PATTERN = '^[0-9]+(ms|s|m|h|d)$';
const Duration = Type.String({
  pattern: DURATION_PATTERN,
  description: 'e.g. 500ms, 30s, 15m, 24h, 7d',
});
/** A calendar date (expiry is the end of that day, UTC) or a full RFC 3339 time. */
const DateOrTime = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2}))?$',
});

/** How to stop, kill and restart one service: drills use it; live checks do not need it. */
export const ServiceControl = Type.Object(
  {
    /** Shell commands run from the plan's directory. */
    stop: Type.Optional(Text),
    start: Type.Optional(Text),
    restart: Type.Optional(Text),
    /** The service's process id is read from this file; signals go to that process. */
    pidFile: Type.Optional(Type.String({ minLength: 1 })),
    compose: Type.Optional(
      Type.Object(
        { file: Type.String({ minLength: 1 }), service: Name },
        { additionalProperties: false },
      ),
    ),
    kubernetes: Type.Optional(
      Type.Object(
        {
          namespace: Type.Optional(Name),
          workload: Name,
          context: Type.Optional(Name),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const SERVICE_KINDS = ['http', 'worker', 'ledger', 'tool-gate'] as const;

/** A file path, relative to the plan file; read when the checks run. */
const FilePath = Type.String({ minLength: 1, maxLength: 4096 });

/**
 * How live checks trust an https service. Verification is never turned off: a private CA is
 * trusted in place of the system roots.
 */
export const ServiceTls = Type.Object(
  {
    /** PEM file of the CA the service's certificate chains to (a private or development CA). */
    caFile: Type.Optional(FilePath),
    /** The name the certificate must carry (and the SNI sent), when the URL's host is not it. */
    serverName: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$' }),
    ),
  },
  { additionalProperties: false },
);

/**
 * Credentials live checks send to the service's API routes (never to its probe endpoints). Only
 * file paths are written in the plan; the secret is read at run time and never written into
 * evidence, reports or messages.
 */
export const ServiceCredentials = Type.Object(
  {
    /** A file holding one API key. */
    apiKeyFile: Type.Optional(FilePath),
    /** The header the key goes in; x-api-key when omitted (the kit's default). */
    apiKeyHeader: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$' })),
    /** A file holding one bearer token (a JWT), sent as `Authorization: Bearer <token>`. */
    bearerTokenFile: Type.Optional(FilePath),
  },
  { additionalProperties: false },
);

export const PlanService = Type.Object(
  {
    name: Id,
    /** Base URL; the contract's endpoints are appended to its path. */
    url: Type.String({ format: 'uri', pattern: '^https?://' }),
    /** http: a kit service; worker: a kit worker's ops port; ledger: the ledger service. */
    kind: Type.Optional(Type.Union(SERVICE_KINDS.map((k) => Type.Literal(k)))),
    control: Type.Optional(ServiceControl),
    tls: Type.Optional(ServiceTls),
    credentials: Type.Optional(ServiceCredentials),
  },
  { additionalProperties: false },
);

export const PlanDatabase = Type.Object(
  {
    name: Id,
    /** May name an environment variable as ${VAR}, so no password is written in the plan. */
    url: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

export const PlanEnvironment = Type.Object(
  {
    description: Type.Optional(Text),
    services: Type.Array(PlanService, { default: [] }),
    databases: Type.Optional(Type.Array(PlanDatabase)),
    /** Files or directories `bulwark audit` reads, relative to the plan's directory. */
    manifests: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  },
  { additionalProperties: false },
);

/** The markdown checkbox states: `[ ]` todo, `[~]` doing, `[x]` done, `[-]` deferred. */
export const CRITERION_STATUSES = ['todo', 'doing', 'done', 'deferred'] as const;
export type CriterionStatus = (typeof CRITERION_STATUSES)[number];

/**
 * One check bound to a criterion. `check` names a registered plugin (`probe.latency`,
 * `metrics.contract`, `audit.controls`, ...); `with` holds its parameters, validated against
 * the plugin's own schema when the plan is loaded.
 */
export const CheckBinding = Type.Object(
  {
    check: Type.String({ pattern: '^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)*$' }),
    /** Which of the environment's services it runs against; all that the check applies to when omitted. */
    services: Type.Optional(Type.Array(Id, { minItems: 1 })),
    with: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    /**
     * How often it must run (a drill's `30d`, `7d`): evidence of it older than this is stale, in
     * `bulwark plan status` and at the promotion gate; `bulwark drill schedule` renders it.
     */
    cadence: Type.Optional(Duration),
  },
  { additionalProperties: false },
);
export type CheckBinding = Static<typeof CheckBinding>;

/** Where an imported criterion came from, so `plan status --write` can update that line. */
export const SourceRef = Type.Object(
  { file: Type.String({ minLength: 1 }), line: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);

export const Criterion = Type.Object(
  {
    id: Id,
    text: Text,
    section: Type.Optional(Name),
    owner: Type.Optional(Name),
    status: Type.Union(
      CRITERION_STATUSES.map((s) => Type.Literal(s)),
      { default: 'todo' },
    ),
    /** Not required: its result is reported but neither verify's verdict nor a gate waits on it. */
    required: Type.Optional(Type.Boolean({ default: true })),
    evidence: Type.Optional(Type.Array(Text)),
    /** No checks: a manual criterion, met only by a signed attestation (`bulwark plan attest`). */
    checks: Type.Optional(Type.Array(CheckBinding)),
    /** How long an attestation of this manual criterion stays valid. */
    attestationMaxAge: Type.Optional(Duration),
    source: Type.Optional(SourceRef),
  },
  { additionalProperties: false },
);
export type Criterion = Static<typeof Criterion>;

export const WAIVER_RISKS = ['low', 'medium', 'high', 'critical'] as const;

/** The audit's waiver model, extended with an approver and a risk; expired waivers waive nothing. */
export const PlanWaiver = Type.Object(
  {
    criterion: Id,
    /** Only in these environments; all when omitted. */
    environments: Type.Optional(Type.Array(Id, { minItems: 1 })),
    owner: Name,
    approver: Name,
    reason: Text,
    risk: Type.Union(WAIVER_RISKS.map((r) => Type.Literal(r))),
    expires: DateOrTime,
  },
  { additionalProperties: false },
);
export type PlanWaiver = Static<typeof PlanWaiver>;

/** A promotion: `bulwark gate --to <name>` passes only on fresh, signed evidence from `from`. */
export const PromotionGate = Type.Object(
  {
    /** The environment whose evidence decides the promotion (dev for `staging`). */
    from: Id,
    /** Criterion ids that must pass; `all` means every required criterion. */
    require: Type.Union([Type.Literal('all'), Type.Array(Id, { minItems: 1 })]),
    maxEvidenceAge: Duration,
  },
  { additionalProperties: false },
);
export type PromotionGate = Static<typeof PromotionGate>;

export const Plan = Type.Object(
  {
    format: Type.Literal(PLAN_FORMAT),
    name: Name,
    description: Type.Optional(Text),
    /** The markdown plan this one was imported from, relative to the plan file. */
    source: Type.Optional(Type.String({ minLength: 1 })),
    /**
     * Modules of team-written checks, relative to the plan file: each exports a CheckPlugin (or
     * an array of them) as its default export; they register beside the built-in checks.
     */
    plugins: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 100 })),
    environments: Type.Record(Id, PlanEnvironment),
    criteria: Type.Array(Criterion),
    waivers: Type.Optional(Type.Array(PlanWaiver)),
    /** Keyed by the environment promoted to: `staging`, `prod`. */
    gates: Type.Optional(Type.Record(Id, PromotionGate)),
  },
  { additionalProperties: false, $id: 'https://bulwark.dev/schemas/bulwark.plan.schema.json' },
);
export type Plan = Static<typeof Plan>;
export type PlanEnvironment = Static<typeof PlanEnvironment>;
export type PlanService = Static<typeof PlanService>;
export type ServiceControl = Static<typeof ServiceControl>;
export type ServiceTls = Static<typeof ServiceTls>;
export type ServiceCredentials = Static<typeof ServiceCredentials>;
