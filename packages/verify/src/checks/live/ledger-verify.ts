import { type Static, Type } from '@sinclair/typebox';
import type { CheckPlugin, Measurements } from '../check.js';
import { aborted } from '../outcomes.js';
import { describeBody, jsonObjectOf } from './answer.js';
import { bodyArtifact } from './evidence.js';
import { serviceTarget, targetVersionOf } from './service-target.js';

export const LedgerVerifyParams = Type.Object({}, { additionalProperties: false });
export type LedgerVerifyParamsValue = Static<typeof LedgerVerifyParams>;

export const LEDGER_VERIFY_PATH = '/v1/ledger/verify';
/** A verify report lists every problem it found; a broken log can make it long. */
const REPORT_LIMIT = 4_194_304;
const REPORT_ARTIFACT_LIMIT = 1_048_576;

/**
 * The ledger service re-verifies its whole log (hash chain, Merkle roots against signed
 * checkpoints, witnesses) and must answer `valid: true`. The full report is kept as evidence:
 * it says what the verdict covers (chain, signed, witnessed) and the unwitnessed tail.
 */
export const ledgerVerifyCheck: CheckPlugin<LedgerVerifyParamsValue> = {
  id: 'ledger.verify',
  description: "the ledger service's /v1/ledger/verify answers 200 with valid: true",
  params: LedgerVerifyParams,
  scope: 'service',
  kinds: ['ledger'],
  async run(_params, ctx) {
    const target = serviceTarget('ledger.verify', ctx);
    ctx.progress('verifying the ledger');
    const exchange = await target.client.get(target.url(LEDGER_VERIFY_PATH), {
      headers: { accept: 'application/json' },
      maxBodyBytes: REPORT_LIMIT,
      signal: target.signal,
    });
    if (ctx.signal.aborted) return aborted();
    if (exchange.kind === 'failure') {
      return { status: 'fail', summary: `${LEDGER_VERIFY_PATH}: ${exchange.message}` };
    }
    const version = await targetVersionOf(target);
    const evidence = {
      artifacts: [bodyArtifact('verify-report.json', exchange, REPORT_ARTIFACT_LIMIT)],
      ...(version === undefined ? {} : { targetVersion: version }),
    };
    if (exchange.status !== 200) {
      return {
        status: 'fail',
        summary:
          `${LEDGER_VERIFY_PATH}: ${exchange.status} ${describeBody(exchange.body)}`.trimEnd(),
        measurements: { status: exchange.status, ms: Math.round(exchange.ms) },
        ...evidence,
      };
    }
    const report = jsonObjectOf(exchange.body);
    if (report === undefined || typeof report.valid !== 'boolean') {
      return {
        status: 'fail',
        summary: `${LEDGER_VERIFY_PATH}: the answer is not a verify report (no boolean "valid")`,
        ...evidence,
      };
    }
    const measurements = figuresOf(report, exchange.ms);
    if (!report.valid) {
      const at = typeof report.firstBadSeq === 'number' ? ` at seq ${report.firstBadSeq}` : '';
      const reason = typeof report.reason === 'string' ? `: ${report.reason.slice(0, 300)}` : '';
      return { status: 'fail', summary: `ledger invalid${at}${reason}`, measurements, ...evidence };
    }
    return {
      status: 'pass',
      summary: `ledger valid: ${measurements.checked} entries checked, head ${measurements.head}`,
      measurements,
      ...evidence,
    };
  },
};

function figuresOf(report: Record<string, unknown>, ms: number): Measurements {
  const figures: Record<string, Measurements[string]> = { ms: Math.round(ms * 100) / 100 };
  for (const key of ['valid', 'mode', 'checked', 'head', 'root'] as const) {
    const value = report[key];
    if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') {
      figures[key] = value;
    }
  }
  const checkpoints = report.checkpoints as Record<string, unknown> | undefined;
  if (typeof checkpoints?.compared === 'number') figures.checkpointsCompared = checkpoints.compared;
  return figures;
}
