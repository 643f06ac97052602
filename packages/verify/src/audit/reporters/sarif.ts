import { CONTROLS, type Control } from '../catalogue.js';
import type { AuditReport } from '../engine.js';
import type { Finding, Severity } from '../model.js';
import { TOOL_NAME, TOOL_VERSION } from './json.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/** GitHub code scanning ranks security results by this 0-10 score. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};

function rule(control: Control) {
  const patches = Object.entries(control.patch ?? {})
    .map(([format, patch]) => `${format}:\n\n\`\`\`\n${patch}\n\`\`\``)
    .join('\n\n');
  return {
    id: control.id,
    name: control.title.replace(/[^A-Za-z0-9]+(.)?/g, (_, next: string | undefined) =>
      (next ?? '').toUpperCase(),
    ),
    shortDescription: { text: control.title },
    fullDescription: { text: control.rationale },
    help: {
      text: `${control.fix}${patches ? `\n\n${patches}` : ''}`,
      markdown: `**Fix:** ${control.fix}${patches ? `\n\n${patches}` : ''}`,
    },
    defaultConfiguration: { level: LEVEL[control.severity] },
    properties: {
      tags: [control.profile, ...control.formats],
      'security-severity': SECURITY_SEVERITY[control.severity],
    },
  };
}

function uri(file: string): string {
  return encodeURI(file);
}

function result(finding: Finding, ruleIndex: number) {
  return {
    ruleId: finding.controlId,
    ruleIndex,
    level: LEVEL[finding.severity],
    message: { text: finding.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: uri(finding.location.file), uriBaseId: '%SRCROOT%' },
          region: { startLine: finding.location.line, startColumn: finding.location.column },
        },
        logicalLocations: [
          {
            fullyQualifiedName: finding.path
              ? `${finding.resource}:${finding.path}`
              : finding.resource,
            kind: 'resource',
          },
        ],
      },
    ],
    partialFingerprints: { 'bulwarkFinding/v1': finding.fingerprint },
    ...(finding.waiver
      ? {
          suppressions: [
            {
              kind: finding.waiver.source === 'file' ? 'external' : 'inSource',
              status: 'accepted',
              justification: `${finding.waiver.reason} (owner ${finding.waiver.owner}, expires ${finding.waiver.expires})`,
              location: {
                physicalLocation: {
                  artifactLocation: {
                    uri: uri(finding.waiver.location.file),
                    uriBaseId: '%SRCROOT%',
                  },
                  region: {
                    startLine: finding.waiver.location.line,
                    startColumn: finding.waiver.location.column,
                  },
                },
              },
              properties: { owner: finding.waiver.owner, expires: finding.waiver.expires },
            },
          ],
        }
      : {}),
  };
}

/** SARIF 2.1.0, one run; waived findings carry `suppressions` so code scanning shows them as dismissed. */
export function renderSarif(report: AuditReport): string {
  const index = new Map(CONTROLS.map((control, i) => [control.id, i]));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: TOOL_NAME,
            version: TOOL_VERSION,
            informationUri: 'https://github.com/bulwark/bulwark/blob/main/docs/audit.md',
            rules: CONTROLS.map(rule),
          },
        },
        originalUriBaseIds: {
          '%SRCROOT%': { description: { text: 'The directory bulwark audit ran in.' } },
        },
        results: report.findings.map((finding) =>
          result(finding, index.get(finding.controlId) ?? 0),
        ),
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
