import { type Static, Type } from '@sinclair/typebox';

/*
 * drill.dependency's parameters. Defaults inside the unions (a request's method, the
 * acknowledged writes' count) are applied by the drill, not the schema: the plan loader's ajv
 * does not apply defaults inside anyOf.
 */

const Ms = (fallback: number, description: string) =>
  Type.Integer({ minimum: 1, maximum: 3_600_000, default: fallback, description });
const Path = Type.String({ pattern: '^/', maxLength: 2000, description: 'a path on the service' });
const Method = Type.String({ pattern: '^[A-Z]{1,20}$' });
const Count = Type.Integer({ minimum: 1, maximum: 1000 });

/** A request to send while the dependency is down: a path (GET), or method, path and JSON body. */
export const OutageRequest = Type.Union([
  Path,
  Type.Object(
    {
      method: Type.Optional(Method),
      path: Path,
      /** Sent as JSON. */
      body: Type.Optional(Type.Unknown()),
    },
    { additionalProperties: false },
  ),
]);
export type OutageRequest = Static<typeof OutageRequest>;

/** The ledger service: entries appended before the outage are all there after it, and the chain verifies. */
export const AcknowledgedLedger = Type.Object(
  {
    mode: Type.Literal('ledger'),
    /** Entries appended before the outage (default 10). */
    count: Type.Optional(Count),
    /** The stream they are appended to (default `bulwark.drill`). */
    stream: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$', maxLength: 200 }),
    ),
  },
  { additionalProperties: false },
);

/**
 * Any service: `count` writes before the outage; each one answered 2xx is acknowledged, and must
 * read back (2xx) after recovery. `{n}` (1..count) and `{run}` (this drill's random id) are
 * replaced in the write's path and in every string of its body; `{id}` in `read` is the value
 * at the JSON pointer `id` (default `/id`) of the write's answer.
 */
export const AcknowledgedHttp = Type.Object(
  {
    mode: Type.Literal('http'),
    count: Type.Optional(Count),
    write: Type.Object(
      {
        /** Default POST. */
        method: Type.Optional(Method),
        path: Path,
        body: Type.Optional(Type.Unknown()),
      },
      { additionalProperties: false },
    ),
    id: Type.Optional(Type.String({ pattern: '^(/.*)?$', maxLength: 200 })),
    read: Type.String({ pattern: '^/.*\\{id\\}', maxLength: 2000 }),
  },
  { additionalProperties: false },
);

export type AcknowledgedSpec = Static<typeof AcknowledgedLedger> | Static<typeof AcknowledgedHttp>;

export const DrillDependencyParams = Type.Object(
  {
    /** What is stopped, for the report: `postgres`, `redis`, `payments-api`. */
    dependency: Type.String({ minLength: 1, maxLength: 200 }),
    /** Shell command that stops the dependency, run from the plan's directory. */
    stop: Type.String({ minLength: 1, maxLength: 4000 }),
    /** Shell command that starts it again; the drill's undo step always runs it. */
    start: Type.String({ minLength: 1, maxLength: 4000 }),
    readyFlipWithinMs: Ms(10_000, '/ready must answer 503 within this after the stop command'),
    failFastMs: Ms(2_000, 'a request during the outage must be answered within this'),
    recoverWithinMs: Ms(30_000, '/ready must answer 200 within this after the start command began'),
    requests: Type.Array(OutageRequest, { minItems: 1, maxItems: 20, default: ['/ready'] }),
    /** How many times each request is sent during the outage. */
    attempts: Type.Integer({ minimum: 1, maximum: 100, default: 3 }),
    acknowledged: Type.Optional(Type.Union([AcknowledgedLedger, AcknowledgedHttp])),
    /** How often /ready is polled for the readiness timeline. */
    sampleIntervalMs: Type.Integer({ minimum: 10, maximum: 10_000, default: 100 }),
    /** Bound on each of the stop and start commands; past it its process group is killed. */
    commandTimeoutMs: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 120_000 }),
  },
  { additionalProperties: false },
);
export type DrillDependencyParamsValue = Static<typeof DrillDependencyParams>;

/** A request with its defaults applied. */
export interface RequestSpec {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
}

export function requestSpec(request: OutageRequest): RequestSpec {
  if (typeof request === 'string') return { method: 'GET', path: request };
  return {
    method: request.method ?? 'GET',
    path: request.path,
    ...(request.body === undefined ? {} : { body: request.body }),
  };
}

export function describeRequest(request: RequestSpec): string {
  return `${request.method} ${request.path}`;
}
