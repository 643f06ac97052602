import { type Static, Type } from '@sinclair/typebox';
import { durationMs, formatDuration } from '../../plan/duration.js';
import { DURATION_PATTERN } from '../../plan/schema.js';
import type { CheckContext, CheckOutcome, CheckPlugin } from '../check.js';
import { aborted } from '../outcomes.js';
import { describeBody, jsonObjectOf } from './answer.js';
import { type ServiceTarget, serviceTarget } from './service-target.js';

/** The tool gate's status and egress answers are a few hundred bytes. */
const BODY_LIMIT = 65_536;
const STATUS_PATH = '/v1/gate';
const EGRESS_PATH = '/v1/egress/check';

type Json = Record<string, unknown>;

/** GET /v1/gate as a JSON object, or the failing outcome. */
async function gateStatus(target: ServiceTarget, ctx: CheckContext): Promise<Json | CheckOutcome> {
  const exchange = await target.client.get(target.url(STATUS_PATH), {
    headers: { accept: 'application/json' },
    maxBodyBytes: BODY_LIMIT,
    signal: target.signal,
  });
  if (ctx.signal.aborted) return aborted();
  if (exchange.kind === 'failure')
    return { status: 'fail', summary: `${STATUS_PATH}: ${exchange.message}` };
  const status = exchange.status === 200 ? jsonObjectOf(exchange.body) : undefined;
  if (status === undefined || typeof status.mode !== 'string') {
    return {
      status: 'fail',
      summary:
        `${STATUS_PATH}: ${exchange.status} ${describeBody(exchange.body)}: not a tool gate status`.trimEnd(),
    };
  }
  return status;
}

const isOutcome = (value: Json | CheckOutcome): value is CheckOutcome =>
  typeof (value as CheckOutcome).summary === 'string' &&
  typeof (value as CheckOutcome).status === 'string';

export const GateModeParams = Type.Object(
  {
    expect: Type.String({
      pattern: '^[A-Z][A-Z0-9_]{0,31}$',
      description: 'the mode the gate must be in',
    }),
  },
  { additionalProperties: false },
);

/** The tool gate is in the mode the plan expects (PUB in production, say). */
export const gateModeCheck: CheckPlugin<Static<typeof GateModeParams>> = {
  id: 'gate.mode',
  description: 'the tool gate is in the expected mode (GET /v1/gate)',
  params: GateModeParams,
  scope: 'service',
  kinds: ['tool-gate'],
  async run(params, ctx) {
    const status = await gateStatus(serviceTarget('gate.mode', ctx), ctx);
    if (isOutcome(status)) return status;
    const measurements = { mode: String(status.mode), counter: Number(status.counter ?? 0) };
    return status.mode === params.expect
      ? {
          status: 'pass',
          summary: `mode ${status.mode} (counter ${measurements.counter})`,
          measurements,
        }
      : { status: 'fail', summary: `mode ${status.mode}, expected ${params.expect}`, measurements };
  },
};

export const GatePolicyParams = Type.Object(
  {
    minVersion: Type.Optional(Type.Integer({ minimum: 1 })),
    /** The installed policy must stay valid at least this long (so it is renewed before it lapses). */
    minValidity: Type.String({ pattern: DURATION_PATTERN, default: '7d' }),
    /** Refuse an unsigned policy (development runs one; production never may). */
    requireSigned: Type.Boolean({ default: true }),
  },
  { additionalProperties: false },
);

/** The installed policy: version, expiry far enough away, signed. */
export const gatePolicyCheck: CheckPlugin<Static<typeof GatePolicyParams>> = {
  id: 'gate.policy',
  description: "the tool gate's policy is signed, at least a version, and valid long enough",
  params: GatePolicyParams,
  scope: 'service',
  kinds: ['tool-gate'],
  async run(params, ctx) {
    const status = await gateStatus(serviceTarget('gate.policy', ctx), ctx);
    if (isOutcome(status)) return status;
    const version = Number(status.policyVersion);
    const expiresAt = Date.parse(String(status.policyExpiresAt));
    const left = expiresAt - ctx.now().getTime();
    const measurements = {
      policyVersion: version,
      policyExpiresAt: String(status.policyExpiresAt),
      policyDigest: String(status.policyDigest),
      signed: status.signed === true,
    };
    const problems: string[] = [];
    if (params.minVersion !== undefined && !(version >= params.minVersion)) {
      problems.push(`version ${version} is below ${params.minVersion}`);
    }
    if (!(left > 0))
      problems.push(`expired at ${status.policyExpiresAt}: every decision is a deny`);
    else if (left < durationMs(params.minValidity)) {
      problems.push(`expires in ${formatDuration(left)}, under ${params.minValidity}`);
    }
    if (params.requireSigned && status.signed !== true) problems.push('the policy is unsigned');
    return problems.length === 0
      ? {
          status: 'pass',
          summary: `policy version ${version}, ${status.signed === true ? 'signed' : 'unsigned'}, valid for ${formatDuration(left)}`,
          measurements,
        }
      : { status: 'fail', summary: `policy: ${problems.join('; ')}`, measurements };
  },
};

const Destination = Type.Object(
  {
    scheme: Type.Optional(
      Type.Union([
        Type.Literal('http'),
        Type.Literal('https'),
        Type.Literal('tcp'),
        Type.Literal('tls'),
      ]),
    ),
    host: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
    address: Type.Optional(Type.String({ minLength: 2, maxLength: 45 })),
    port: Type.Integer({ minimum: 1, maximum: 65_535 }),
  },
  { additionalProperties: false },
);

export const GateEgressParams = Type.Object(
  {
    /** Destinations the active mode must refuse. */
    denied: Type.Array(Destination, {
      minItems: 1,
      maxItems: 100,
      default: [
        { scheme: 'https', host: 'exfiltration.example', port: 443 },
        { scheme: 'http', address: '169.254.169.254', port: 80 },
      ],
    }),
  },
  { additionalProperties: false },
);

/** Egress outside the allow-list fails by policy: each destination is denied in the active mode. */
export const gateEgressDeniedCheck: CheckPlugin<Static<typeof GateEgressParams>> = {
  id: 'gate.egress-denied',
  description: "the tool gate's active mode denies egress to each listed destination",
  params: GateEgressParams,
  scope: 'service',
  kinds: ['tool-gate'],
  async run(params, ctx) {
    const target = serviceTarget('gate.egress-denied', ctx);
    const allowed: string[] = [];
    let mode = '';
    for (const destination of params.denied) {
      const exchange = await target.client.request(target.url(EGRESS_PATH), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(destination),
        maxBodyBytes: BODY_LIMIT,
        signal: target.signal,
      });
      if (ctx.signal.aborted) return aborted();
      if (exchange.kind === 'failure')
        return { status: 'fail', summary: `${EGRESS_PATH}: ${exchange.message}` };
      const verdict = exchange.status === 200 ? jsonObjectOf(exchange.body) : undefined;
      if (verdict === undefined || typeof verdict.allow !== 'boolean') {
        return {
          status: 'fail',
          summary:
            `${EGRESS_PATH}: ${exchange.status} ${describeBody(exchange.body)}: not an egress verdict`.trimEnd(),
        };
      }
      mode = String(verdict.mode);
      if (verdict.allow) allowed.push(describe(destination));
    }
    const measurements = { mode, destinations: params.denied.length, allowed: allowed.length };
    return allowed.length === 0
      ? {
          status: 'pass',
          summary: `mode ${mode} denies egress to all ${params.denied.length} destinations`,
          measurements,
        }
      : {
          status: 'fail',
          summary: `mode ${mode} allows egress to ${allowed.join(', ')}`,
          measurements,
        };
  },
};

function describe(destination: Static<typeof Destination>): string {
  const where = destination.host ?? destination.address ?? '?';
  return `${destination.scheme ? `${destination.scheme}://` : ''}${where}:${destination.port}`;
}
