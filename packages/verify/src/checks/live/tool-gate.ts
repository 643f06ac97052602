import { randomBytes } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import { durationMs, formatDuration } from '../../plan/duration.js';
import { DURATION_PATTERN } from '../../plan/schema.js';
import type { ArtifactInput, CheckContext, CheckOutcome, CheckPlugin } from '../check.js';
import { aborted } from '../outcomes.js';
import { describeBody, jsonObjectOf } from './answer.js';
import { bodyArtifact, jsonArtifact } from './evidence.js';
import { type ServiceTarget, serviceTarget, targetVersionOf } from './service-target.js';

/** The tool gate's status and egress answers are a few hundred bytes. */
const BODY_LIMIT = 65_536;
const STATUS_PATH = '/v1/gate';
const EGRESS_PATH = '/v1/egress/check';

type Json = Record<string, unknown>;

/** What every tool gate check keeps: the answers it judged, and the version the gate reports. */
interface GateEvidence {
  readonly artifacts: ArtifactInput[];
  readonly targetVersion?: string;
}

async function evidenceOf(
  target: ServiceTarget,
  artifacts: ArtifactInput[],
): Promise<GateEvidence> {
  const version = await targetVersionOf(target);
  return { artifacts, ...(version === undefined ? {} : { targetVersion: version }) };
}

/**
 * GET /v1/gate as a JSON object with its evidence, or the failing outcome. A tagged result, not
 * "an object that looks like an outcome": the status is the target's text, and a target must
 * never be able to write the check's verdict by answering `{"status":"pass","summary":...}`.
 */
async function gateStatus(
  target: ServiceTarget,
  ctx: CheckContext,
): Promise<
  | { kind: 'status'; status: Json; evidence: GateEvidence }
  | { kind: 'outcome'; outcome: CheckOutcome }
> {
  const exchange = await target.client.get(target.url(STATUS_PATH), {
    headers: { accept: 'application/json' },
    maxBodyBytes: BODY_LIMIT,
    signal: target.signal,
  });
  if (ctx.signal.aborted) return { kind: 'outcome', outcome: aborted() };
  if (exchange.kind === 'failure') {
    return {
      kind: 'outcome',
      outcome: { status: 'fail', summary: `${STATUS_PATH}: ${exchange.message}` },
    };
  }
  const evidence = await evidenceOf(target, [bodyArtifact('gate-status.json', exchange)]);
  const status = exchange.status === 200 ? jsonObjectOf(exchange.body) : undefined;
  if (status === undefined || typeof status.mode !== 'string') {
    return {
      kind: 'outcome',
      outcome: {
        status: 'fail',
        summary:
          `${STATUS_PATH}: ${exchange.status} ${describeBody(exchange.body)}: not a tool gate status`.trimEnd(),
        ...evidence,
      },
    };
  }
  return { kind: 'status', status, evidence };
}

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
    const answer = await gateStatus(serviceTarget('gate.mode', ctx), ctx);
    if (answer.kind === 'outcome') return answer.outcome;
    const { status, evidence } = answer;
    const measurements = { mode: String(status.mode), counter: Number(status.counter ?? 0) };
    return status.mode === params.expect
      ? {
          status: 'pass',
          summary: `mode ${status.mode} (counter ${measurements.counter})`,
          measurements,
          ...evidence,
        }
      : {
          status: 'fail',
          summary: `mode ${status.mode}, expected ${params.expect}`,
          measurements,
          ...evidence,
        };
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
    const answer = await gateStatus(serviceTarget('gate.policy', ctx), ctx);
    if (answer.kind === 'outcome') return answer.outcome;
    const { status, evidence } = answer;
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
          ...evidence,
        }
      : { status: 'fail', summary: `policy: ${problems.join('; ')}`, measurements, ...evidence };
  },
};

const Scheme = Type.Optional(
  Type.Union([
    Type.Literal('http'),
    Type.Literal('https'),
    Type.Literal('tcp'),
    Type.Literal('tls'),
  ]),
);
const Port = Type.Integer({ minimum: 1, maximum: 65_535 });
const HostName = Type.String({ minLength: 1, maxLength: 253 });
const Address = Type.String({ minLength: 2, maxLength: 45 });

/** A destination names a host, an address, or both: one with neither would prove nothing. */
const Destination = Type.Union([
  Type.Object(
    { scheme: Scheme, host: HostName, address: Type.Optional(Address), port: Port },
    { additionalProperties: false },
  ),
  Type.Object({ scheme: Scheme, address: Address, port: Port }, { additionalProperties: false }),
]);

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
    const verdicts: { destination: Static<typeof Destination>; verdict: Json }[] = [];
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
          ...(await evidenceOf(target, [bodyArtifact('egress-answer.json', exchange)])),
        };
      }
      verdicts.push({ destination, verdict });
      mode = String(verdict.mode);
      if (verdict.allow) allowed.push(describe(destination));
    }
    const measurements = { mode, destinations: params.denied.length, allowed: allowed.length };
    const evidence = await evidenceOf(target, [jsonArtifact('egress-verdicts.json', verdicts)]);
    return allowed.length === 0
      ? {
          status: 'pass',
          summary: `mode ${mode} denies egress to all ${params.denied.length} destinations`,
          measurements,
          ...evidence,
        }
      : {
          status: 'fail',
          summary: `mode ${mode} allows egress to ${allowed.join(', ')}`,
          measurements,
          ...evidence,
        };
  },
};

function describe(destination: Static<typeof Destination>): string {
  const where = 'host' in destination ? destination.host : destination.address;
  return `${destination.scheme ? `${destination.scheme}://` : ''}${where}:${destination.port}`;
}

/**
 * The tool gate's wire format for a transition request (@bulwark/gate transitions/schema.ts),
 * written out here so the verifier needs nothing of the gate but its HTTP API.
 */
const TRANSITION_FORMAT = 'bulwark.gate-transition/v1';
const TRANSITIONS_PATH = '/v1/gate/transitions';

export const GateTransitionsParams = Type.Object({}, { additionalProperties: false });

/**
 * Mode changes need signatures: an unsigned, otherwise well-formed transition to another mode
 * (the next counter, a fresh nonce, valid now) must be refused with 422 and a transition
 * rejection code, and the mode and counter must be unchanged afterwards. The refusal is a
 * `gate.transition.rejected` record in the gate's ledger stream, as every rejection is.
 */
export const gateTransitionsSignedCheck: CheckPlugin<Static<typeof GateTransitionsParams>> = {
  id: 'gate.transitions-signed',
  description: 'the tool gate refuses a mode transition nobody signed (and its mode stays put)',
  params: GateTransitionsParams,
  scope: 'service',
  kinds: ['tool-gate'],
  async run(_params, ctx) {
    const target = serviceTarget('gate.transitions-signed', ctx);
    const before = await gateStatus(target, ctx);
    if (before.kind === 'outcome') return before.outcome;
    const { status } = before;
    const modes = Array.isArray(status.modes) ? status.modes.map(String) : [];
    const to = modes.find((mode) => mode !== status.mode) ?? String(status.mode);
    const now = ctx.now();
    const request = {
      format: TRANSITION_FORMAT,
      body: {
        gate: String(status.gate),
        to,
        reason:
          'bulwark verify gate.transitions-signed: an unsigned request, which must be refused',
        nonce: randomBytes(16).toString('hex'),
        counter: Number(status.counter ?? 0) + 1,
        notBefore: now.toISOString(),
        expiresAt: new Date(now.getTime() + 5 * 60_000).toISOString(),
        requester: 'bulwark-verify',
      },
      signatures: [],
    };
    const exchange = await target.client.request(target.url(TRANSITIONS_PATH), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/problem+json' },
      body: JSON.stringify(request),
      maxBodyBytes: BODY_LIMIT,
      signal: target.signal,
    });
    if (ctx.signal.aborted) return aborted();
    if (exchange.kind === 'failure') {
      return { status: 'fail', summary: `${TRANSITIONS_PATH}: ${exchange.message}` };
    }
    const after = await gateStatus(target, ctx);
    if (after.kind === 'outcome') return after.outcome;
    const code = String(jsonObjectOf(exchange.body)?.code ?? '');
    const measurements = {
      status: exchange.status,
      code,
      modeBefore: String(status.mode),
      modeAfter: String(after.status.mode),
    };
    const evidence = await evidenceOf(target, [
      jsonArtifact('unsigned-transition.json', request),
      bodyArtifact('transition-answer.json', exchange),
    ]);
    const unchanged = after.status.mode === status.mode && after.status.counter === status.counter;
    if (exchange.status === 422 && code.startsWith('BW_GATE_TRANSITION_') && unchanged) {
      return {
        status: 'pass',
        summary: `an unsigned transition ${status.mode} → ${to} was refused (${code}); mode ${status.mode} unchanged`,
        measurements,
        ...evidence,
      };
    }
    return {
      status: 'fail',
      summary: unchanged
        ? `an unsigned transition ${status.mode} → ${to} answered ${exchange.status} ${code || describeBody(exchange.body)}, not 422 with a transition rejection code`.trimEnd()
        : `an UNSIGNED transition changed the gate: mode ${status.mode} → ${after.status.mode}, counter ${status.counter} → ${after.status.counter}`,
      measurements,
      ...evidence,
    };
  },
};
