import { Document, isMap, isScalar, visit } from 'yaml';
import { type Plan, SERVICE_KINDS } from './schema.js';

/**
 * A plan as YAML, with a header saying where it came from and what to do next. Short maps
 * (`source`, a check's scalar `with`) are written inline so each criterion reads as one block; long
 * texts stay on one line so they can be searched for. No timestamps: importing the same
 * markdown twice gives the same bytes, which keeps the example plans checkable for drift.
 */
export interface SerializeOptions {
  /** The file the YAML is written to, as the user will type it in commands. */
  readonly planFile?: string;
}

export function serializePlan(plan: Plan, options: SerializeOptions = {}): string {
  const doc = new Document(plan);
  visit(doc, {
    Pair(_, pair) {
      const key = (pair.key as { value?: unknown } | null)?.value;
      if ((key === 'source' || key === 'with') && isMap(pair.value)) {
        // Inline only when every value is a scalar: biome formats flow sequences without the
        // padding yaml gives them, and `npm run lint` (biome check .) covers the examples.
        if (pair.value.items.every((item) => isScalar(item.value))) pair.value.flow = true;
      }
    },
  });
  doc.commentBefore = header(plan, options.planFile ?? 'PLAN.yaml');
  return doc.toString({ lineWidth: 0 });
}

function header(plan: Plan, planFile: string): string {
  const checked = plan.criteria.filter((c) => (c.checks?.length ?? 0) > 0).length;
  const manual = plan.criteria.length - checked;
  const environments = Object.keys(plan.environments);
  const lines = [
    plan.source
      ? ` Imported by \`bulwark plan import\` from ${plan.source}; edit it freely.`
      : ' A bulwark plan.',
    ` ${plan.criteria.length} criteria: ${checked} checked by bulwark, ${manual} manual (met only by a signed`,
    `   attestation: bulwark plan attest <criterion> --plan ${planFile}).`,
    ` Before verifying, list the services under environments.${environments[0] ?? 'local'}.services`,
    `   (name, url, kind: ${SERVICE_KINDS.join('|')}; control.pidFile for drill.shutdown) and the manifests`,
    '   audit.controls reads. Then:',
    `   bulwark verify --plan ${planFile} --env ${environments[0] ?? 'local'}`,
    `   bulwark plan status ${planFile}${plan.source ? ' --write   (ticks the markdown plan from the evidence)' : ''}`,
    ' Promotion gates go under gates:, e.g. staging: {from: local, require: all, maxEvidenceAge: 24h}',
  ];
  return lines.join('\n');
}
