import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import {
  BaselineError,
  gateFails,
  PLAIN,
  readBaseline,
  renderConsole,
  renderJson,
  renderJunit,
  renderSarif,
} from '../src/index.js';
import { auditPaths, auditProject, FIXTURES, project } from './helpers.js';

const FAILING = [
  'controls/kubernetes/BW-PRIVILEGED.fail.yaml',
  'controls/compose/BW-PORT-EXPOSED.fail.yaml',
  'controls/dockerfile/BW-USER-NONROOT.fail.Dockerfile',
];

describe('reports', () => {
  it('SARIF output validates against the official SARIF 2.1.0 schema, with waived findings as suppressions', () => {
    const schema = JSON.parse(
      readFileSync(join(FIXTURES, 'sarif', 'sarif-schema-2.1.0.json'), 'utf8'),
    );
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false }); // the schema's language pattern is not valid with the u flag
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const pod = `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  # bulwark-waive BW-HOST-NAMESPACES owner=sre expires=2026-12-31 reason="exporter"\n  hostPID: true\n  containers: [{name: c, image: nginx}]\n`;
    const report = auditProject({ 'pod.yaml': pod, 'sub dir/Dockerfile': 'FROM scratch\n' });
    const sarif = JSON.parse(renderSarif(report));
    const valid = validate(sarif);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    // The validator is not vacuous: a wrong level is rejected.
    const broken = structuredClone(sarif);
    broken.runs[0].results[0].level = 'fatal';
    expect(validate(broken)).toBe(false);
    const waived = sarif.runs[0].results.find(
      (r: { ruleId: string }) => r.ruleId === 'BW-HOST-NAMESPACES',
    );
    expect(waived.suppressions[0]).toMatchObject({ kind: 'inSource', status: 'accepted' });
    expect(waived.locations[0].physicalLocation.region).toEqual({ startLine: 6, startColumn: 3 });
    expect(
      sarif.runs[0].results.some(
        (r: { locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }) =>
          r.locations[0]?.physicalLocation.artifactLocation.uri === 'sub%20dir/Dockerfile',
      ),
    ).toBe(true);
    expect(sarif.runs[0].tool.driver.rules.length).toBeGreaterThan(25);
  });

  it('JSON output is byte-identical across runs (stable order, no timestamps)', () => {
    const a = auditPaths(FAILING);
    const b = auditPaths([...FAILING].reverse());
    expect(renderJson(a, gateFails(a, 'low'))).toBe(renderJson(b, gateFails(b, 'low')));
    expect(renderSarif(a)).toBe(renderSarif(b));
  });

  it('JUnit output has one suite per control and fails only unwaived findings at or above --fail-on', () => {
    const report = auditPaths(FAILING);
    const all = renderJunit(report, 'low');
    const highOnly = renderJunit(report, 'critical');
    expect(all).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites /);
    expect(all).toContain('<testsuite name="BW-PRIVILEGED Not privileged"');
    const failures = (xml: string) => Number(/<testsuites [^>]*failures="(\d+)"/.exec(xml)?.[1]);
    expect(failures(all)).toBe(report.findings.length);
    expect(failures(highOnly)).toBe(
      report.findings.filter((f) => f.severity === 'critical').length,
    );
    expect(failures(highOnly)).toBeGreaterThan(0);
  });

  it('the console report groups by file and resource and names each location', () => {
    const report = auditPaths(['controls/kubernetes/BW-PRIVILEGED.fail.yaml']);
    const text = renderConsole(report, PLAIN, true);
    expect(text).toMatch(
      /^controls\/kubernetes\/BW-PRIVILEGED\.fail\.yaml\n {2}Deployment\/shop\/app\n/,
    );
    expect(text).toContain('CRITICAL BW-PRIVILEGED');
    expect(text).not.toContain('\x1b[');
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/^FAIL 5 resources in 1 inputs/);
  });

  it('--fail-on compares severities; waived findings never fail the gate', () => {
    const report = auditPaths(['controls/kubernetes/BW-PROBE-STARTUP.fail.yaml']);
    expect(report.findings.map((f) => f.severity)).toEqual(['low']);
    expect(gateFails(report, 'low')).toBe(true);
    expect(gateFails(report, 'medium')).toBe(false);
  });

  it('a baseline (JSON or SARIF) hides known findings and reports only new ones', () => {
    const before = auditPaths(['controls/kubernetes/BW-PRIVILEGED.fail.yaml']);
    const dir = project({});
    writeFileSync(join(dir, 'baseline.json'), renderJson(before, true));
    writeFileSync(join(dir, 'baseline.sarif'), renderSarif(before));
    for (const file of ['baseline.json', 'baseline.sarif']) {
      const baseline = readBaseline(join(dir, file));
      const same = auditPaths(['controls/kubernetes/BW-PRIVILEGED.fail.yaml'], { baseline });
      expect(same.findings).toEqual([]);
      expect(same.baselineSuppressed).toBe(before.findings.length);
      // The same file with one more problem: only the new finding is reported.
      const worse = auditPaths(['controls/kubernetes/BW-HOST-NAMESPACES.fail.yaml'], { baseline });
      expect(worse.findings.map((f) => f.controlId)).toContain('BW-HOST-NAMESPACES');
    }
  });

  it('a baseline of valid JSON but the wrong shape is a BaselineError or skipped entries, never a TypeError', () => {
    const dir = project({
      'null.json': 'null',
      'number.json': '42',
      'null-finding.json': '{"findings":[null,{"fingerprint":"abc"}]}',
      'null-run.json': '{"runs":[null,{"results":[null,{"partialFingerprints":null}]}]}',
    });
    for (const file of ['null.json', 'number.json']) {
      expect(() => readBaseline(join(dir, file))).toThrow(BaselineError);
      expect(() => readBaseline(join(dir, file))).toThrow(
        /neither a bulwark JSON report nor a SARIF log/,
      );
    }
    expect([...readBaseline(join(dir, 'null-finding.json'))]).toEqual(['abc']);
    expect([...readBaseline(join(dir, 'null-run.json'))]).toEqual([]);
  });
});
