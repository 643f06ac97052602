// One escaping rule for every JUnit file Bulwark writes, shared with the contract diff's report.
import { xmlEscape } from '@bulwark/contract';
import type { CheckRecord, CriterionRecord, EvidenceBundle } from '../evidence/model.js';

export { xmlEscape };

const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

function attributes(pairs: Record<string, string | number>): string {
  return Object.entries(pairs)
    .map(([name, value]) => ` ${name}="${xmlEscape(String(value))}"`)
    .join('');
}

function property(name: string, value: string): string {
  return `<property${attributes({ name, value })}/>`;
}

function checkText(check: CheckRecord): string {
  const where = check.service ? ` on ${check.service}` : '';
  const why = check.reason && check.reason !== check.summary ? ` (${check.reason})` : '';
  return `${check.status} ${check.check}${where}: ${check.summary}${why}`;
}

/** The body of a failure or a system-out: every check of the criterion, one per line. */
function checksText(criterion: CriterionRecord): string {
  return criterion.checks.length > 0
    ? criterion.checks.map(checkText).join('\n')
    : 'no checks bound: a manual criterion';
}

function testcase(criterion: CriterionRecord, bundle: EvidenceBundle): string {
  const durationMs = criterion.checks.reduce((sum, check) => sum + check.durationMs, 0);
  const open = `    <testcase${attributes({
    classname: criterion.section ?? bundle.plan.name,
    name: `${criterion.id} ${criterion.text}`,
    time: seconds(durationMs),
  })}>`;
  const props = [
    property('verdict', criterion.verdict),
    property('required', String(criterion.required)),
    property('planStatus', criterion.planStatus),
    ...(criterion.owner ? [property('owner', criterion.owner)] : []),
  ];
  const waiver = criterion.waiver;
  if (waiver) {
    props.push(
      property('waiver.owner', waiver.owner),
      property('waiver.approver', waiver.approver),
      property('waiver.risk', waiver.risk),
      property('waiver.expires', waiver.expires),
      property('waiver.reason', waiver.reason),
    );
  }
  const body = [`      <properties>${props.join('')}</properties>`];
  switch (criterion.verdict) {
    case 'fail':
    case 'error':
      // `type` keeps a broken check (error) apart from a criterion not met (fail).
      body.push(
        `      <failure${attributes({ type: criterion.verdict, message: criterion.reason })}>${xmlEscape(checksText(criterion))}</failure>`,
      );
      break;
    case 'skip':
    case 'manual':
      body.push(
        `      <skipped${attributes({ message: `${criterion.verdict}: ${criterion.reason}` })}/>`,
      );
      break;
    case 'waived':
      body.push(
        `      <system-out>${xmlEscape(
          `WAIVED by ${waiver?.approver ?? 'unknown'} (owner ${waiver?.owner ?? 'unknown'}, ${waiver?.risk ?? 'unknown'} risk) until ${waiver?.expires ?? 'unknown'}: ${waiver?.reason ?? criterion.reason}\n${criterion.reason}\n${checksText(criterion)}`,
        )}</system-out>`,
      );
      break;
    default:
      body.push(
        `      <system-out>${xmlEscape(`${criterion.verdict}: ${criterion.reason}\n${checksText(criterion)}`)}</system-out>`,
      );
  }
  return `${open}\n${body.join('\n')}\n    </testcase>`;
}

/**
 * JUnit XML for CI test tabs: one testsuite for the run, one testcase per criterion (classname its
 * section, else the plan's name). fail and error are failures (`type` says which), skip and manual
 * are skipped with the reason, waived passes with the waiver in properties and system-out, pass
 * and warn pass.
 */
export function renderJunit(bundle: EvidenceBundle): string {
  const failures = bundle.criteria.filter((c) => c.verdict === 'fail' || c.verdict === 'error');
  const skipped = bundle.criteria.filter((c) => c.verdict === 'skip' || c.verdict === 'manual');
  const elapsedMs = Date.parse(bundle.finishedAt) - Date.parse(bundle.startedAt);
  const totals = {
    tests: bundle.criteria.length,
    failures: failures.length,
    errors: 0,
    skipped: skipped.length,
    time: seconds(Number.isFinite(elapsedMs) ? elapsedMs : 0),
  };
  const suiteName = `${bundle.plan.name} (${bundle.environment})`;
  const props = [
    property('bundle', bundle.id),
    property('environment', bundle.environment),
    property('plan', bundle.plan.path),
    property('plan.sha256', bundle.plan.sha256),
    property('tool', `${bundle.tool.name} ${bundle.tool.version} (node ${bundle.tool.node})`),
    property('host', bundle.host),
    property('ok', String(bundle.summary.ok)),
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({ name: `bulwark verify ${suiteName}`, ...totals })}>`,
    `  <testsuite${attributes({ name: suiteName, ...totals, timestamp: bundle.startedAt, hostname: bundle.host })}>`,
    `    <properties>${props.join('')}</properties>`,
    ...bundle.criteria.map((criterion) => testcase(criterion, bundle)),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
