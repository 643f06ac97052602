import { describe, expect, it } from 'vitest';
import { auditProject, ids, only } from './helpers.js';

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: tool
  namespace: ops
spec:
  hostPID: true
  containers: [{name: c, image: nginx}]
`;

function waiversFile(entries: string, policy = ''): string {
  return `${policy}waivers:\n${entries}`;
}

describe('waivers: owned, reasoned, time-boxed', () => {
  it('a complete waiver in .bulwark/waivers.yaml waives exactly its control and target', () => {
    const report = auditProject({
      'pod.yaml': POD,
      '.bulwark/waivers.yaml': waiversFile(`  - control: BW-HOST-NAMESPACES
    target: pod.yaml#Pod/ops/tool
    owner: team-observability
    reason: node exporter needs the host PID namespace
    expires: 2026-12-31
`),
    });
    const [finding] = only(report, 'BW-HOST-NAMESPACES');
    expect(finding?.waiver).toMatchObject({
      owner: 'team-observability',
      expires: '2026-12-31',
      source: 'file',
    });
    expect(only(report, 'BW-USER-NONROOT')[0]?.waiver).toBeUndefined();
  });

  it('a waiver missing owner, reason or expiry is itself a finding and waives nothing', () => {
    const report = auditProject({
      'pod.yaml': POD,
      '.bulwark/waivers.yaml': waiversFile(`  - control: BW-HOST-NAMESPACES
    target: Pod/ops/tool
    reason: trust me
`),
    });
    const [invalid] = only(report, 'BW-WAIVER-INVALID');
    expect(invalid?.message).toContain('missing owner, expires');
    expect(invalid?.location).toMatchObject({ file: '.bulwark/waivers.yaml', line: 2, column: 5 });
    expect(only(report, 'BW-HOST-NAMESPACES')[0]?.waiver).toBeUndefined();
  });

  it('an expired waiver fails and stops waiving; one expiring within the warning window warns', () => {
    const entry = (expires: string) => `  - control: BW-HOST-NAMESPACES
    target: Pod/ops/tool
    owner: sre
    reason: migration
    expires: ${expires}
`;
    const expired = auditProject({
      'pod.yaml': POD,
      '.bulwark/waivers.yaml': waiversFile(entry('2026-05-31')),
    });
    expect(ids(expired)).toContain('BW-WAIVER-EXPIRED');
    expect(only(expired, 'BW-HOST-NAMESPACES')[0]?.waiver).toBeUndefined();

    const expiring = auditProject({
      'pod.yaml': POD,
      '.bulwark/waivers.yaml': waiversFile(entry('2026-06-10')),
    });
    const [warning] = only(expiring, 'BW-WAIVER-EXPIRING');
    expect(warning?.severity).toBe('info');
    expect(warning?.message).toContain('in 9 days');
    expect(only(expiring, 'BW-HOST-NAMESPACES')[0]?.waiver).toBeDefined();

    const policy = 'policy:\n  expiryWarningDays: 3\n';
    expect(
      ids(
        auditProject({
          'pod.yaml': POD,
          '.bulwark/waivers.yaml': waiversFile(entry('2026-06-10'), policy),
        }),
      ),
    ).not.toContain('BW-WAIVER-EXPIRING');
  });

  it('inline comments waive the resource they sit in or above', () => {
    const report = auditProject({
      'pod.yaml': POD.replace(
        '  hostPID: true\n',
        '  # bulwark-waive BW-HOST-NAMESPACES owner=sre expires=2026-12-31 reason="node exporter"\n  hostPID: true\n',
      ),
    });
    expect(only(report, 'BW-HOST-NAMESPACES')[0]?.waiver).toMatchObject({
      source: 'inline',
      owner: 'sre',
      reason: 'node exporter',
    });
    expect(only(report, 'BW-HOST-NAMESPACES')[0]?.waiver?.location.line).toBe(7);
  });

  it('annotation waivers work unless policy forbids self-exemption', () => {
    const annotated = POD.replace(
      '  namespace: ops\n',
      '  namespace: ops\n  annotations:\n    bulwark.dev/waive: BW-HOST-NAMESPACES owner=sre expires=2026-12-31 reason="exporter"\n',
    );
    const allowed = auditProject({ 'pod.yaml': annotated });
    expect(only(allowed, 'BW-HOST-NAMESPACES')[0]?.waiver?.source).toBe('annotation');

    const forbidden = auditProject({
      'pod.yaml': annotated,
      '.bulwark/waivers.yaml': 'policy:\n  allowAnnotationWaivers: false\n',
    });
    expect(ids(forbidden)).toContain('BW-WAIVER-SELF-EXEMPT');
    expect(only(forbidden, 'BW-HOST-NAMESPACES')[0]?.waiver).toBeUndefined();
  });

  it('a waiver expiring on an impossible date (2026-02-30) is invalid and waives nothing', () => {
    const report = auditProject({
      'pod.yaml': POD,
      '.bulwark/waivers.yaml': waiversFile(`  - control: BW-HOST-NAMESPACES
    target: Pod/ops/tool
    owner: sre
    reason: migration
    expires: 2026-02-30
`),
    });
    expect(only(report, 'BW-WAIVER-INVALID')[0]?.message).toContain(
      'expiry 2026-02-30 is not a YYYY-MM-DD date',
    );
    expect(only(report, 'BW-HOST-NAMESPACES')[0]?.waiver).toBeUndefined();
  });

  it('a waiver for a control that does not exist is invalid', () => {
    const report = auditProject({
      'pod.yaml': POD,
      '.bulwark/waivers.yaml': waiversFile(
        `  - {control: BW-NOPE, target: "*", owner: a, reason: b, expires: 2026-12-31}\n`,
      ),
    });
    expect(only(report, 'BW-WAIVER-INVALID')[0]?.message).toContain('unknown control BW-NOPE');
  });

  it('policy can refuse inline waivers too', () => {
    const report = auditProject({
      'pod.yaml': POD.replace(
        '  hostPID: true\n',
        '  hostPID: true # bulwark-waive BW-HOST-NAMESPACES owner=sre expires=2026-12-31 reason=x\n',
      ),
      '.bulwark/waivers.yaml': 'policy:\n  allowInlineWaivers: false\n',
    });
    expect(only(report, 'BW-WAIVER-SELF-EXEMPT')[0]?.location).toMatchObject({
      file: 'pod.yaml',
      line: 7,
    });
    expect(only(report, 'BW-HOST-NAMESPACES')[0]?.waiver).toBeUndefined();
  });
});
