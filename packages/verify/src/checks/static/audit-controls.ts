import { type Static, Type } from '@sinclair/typebox';
import {
  type AuditReport,
  audit,
  blocksGate,
  type Finding,
  KustomizeError,
  UnreadableInputError,
  WaiversFileError,
} from '../../audit/index.js';
import { renderJson, summarise } from '../../audit/reporters/json.js';
import type { CheckPlugin } from '../check.js';
import { skipped } from '../outcomes.js';

export const AuditControlsParams = Type.Object(
  {
    profile: Type.Union(
      [Type.Literal('security'), Type.Literal('operability'), Type.Literal('all')],
      { default: 'all' },
    ),
  },
  { additionalProperties: false },
);
export type AuditControlsParamsValue = Static<typeof AuditControlsParams>;

/** Findings named in a failing summary; the artifact has them all. */
const NAMED_FINDINGS = 3;

/**
 * `bulwark audit` on the environment's manifests, judged as the audit's own gate judges by
 * default: an unwaived finding of low severity or above fails, an unwaived `info` finding
 * warns. Paths resolve against the plan's directory, and so does the audit's waivers file
 * (`.bulwark/waivers.yaml`). Manifests that cannot be read are a fail, not a pass on nothing.
 */
export const auditControlsCheck: CheckPlugin<AuditControlsParamsValue> = {
  id: 'audit.controls',
  description: "bulwark audit controls on the environment's manifests: errors fail, warnings warn",
  params: AuditControlsParams,
  scope: 'environment',
  async run(params, ctx) {
    const manifests = ctx.environment.manifests ?? [];
    if (manifests.length === 0) {
      return skipped(`environment ${ctx.environmentName} lists no manifests to audit`);
    }
    ctx.progress(`auditing ${manifests.join(', ')}`);
    let report: AuditReport;
    try {
      report = audit({
        paths: manifests,
        cwd: ctx.planDir,
        profile: params.profile,
        today: ctx.now().toISOString().slice(0, 10),
      });
    } catch (error) {
      if (
        error instanceof UnreadableInputError ||
        error instanceof WaiversFileError ||
        error instanceof KustomizeError
      ) {
        return { status: 'fail', summary: `cannot audit: ${error.message}` };
      }
      throw error;
    }
    const blocking = report.findings.filter((f) => blocksGate(f, 'low'));
    const warnings = report.findings.filter((f) => !f.waiver && f.severity === 'info');
    const counts = summarise(report);
    const evidence = {
      measurements: {
        profile: report.profile,
        resources: report.objects,
        inputs: report.inputs.filter((i) => i.format !== 'ignored').length,
        ...counts,
      },
      artifacts: [
        {
          name: 'audit-report.json',
          mediaType: 'application/json',
          content: renderJson(report, blocking.length > 0),
        },
      ],
    };
    if (report.nothingAudited) {
      return {
        status: 'fail',
        summary: `nothing to audit in ${manifests.join(', ')}: no Dockerfile, compose file or Kubernetes manifest`,
        ...evidence,
      };
    }
    if (blocking.length > 0) {
      return {
        status: 'fail',
        summary: `${blocking.length} unwaived finding${blocking.length === 1 ? '' : 's'}: ${name(blocking)}`,
        ...evidence,
      };
    }
    const audited = `${report.objects} resource${report.objects === 1 ? '' : 's'} audited (${params.profile})`;
    if (warnings.length > 0) {
      return {
        status: 'warn',
        summary: `${audited}; ${warnings.length} informational finding${warnings.length === 1 ? '' : 's'}: ${name(warnings)}`,
        ...evidence,
      };
    }
    const waived = counts.waived > 0 ? `, ${counts.waived} waived` : '';
    return { status: 'pass', summary: `${audited}, no unwaived findings${waived}`, ...evidence };
  },
};

function name(findings: readonly Finding[]): string {
  const named = findings
    .slice(0, NAMED_FINDINGS)
    .map((f) => `${f.controlId} ${f.resource} (${f.severity}, ${f.location.file})`);
  const more =
    findings.length > NAMED_FINDINGS ? ` and ${findings.length - NAMED_FINDINGS} more` : '';
  return `${named.join(', ')}${more}`;
}
