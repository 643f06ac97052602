import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { audit, gateFails, UnreadableInputError } from '../src/index.js';
import { auditProject, only, project, TODAY } from './helpers.js';

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: tool
  namespace: ops
spec:
  hostPID: true
  containers: [{name: c, image: nginx}]
`;

describe('directory walking: each file audited once', () => {
  it('a manifest a kustomization names from a subdirectory is audited through it only', () => {
    const report = auditProject({
      'kustomization.yaml': 'resources:\n  - manifests/pod.yaml\n',
      'manifests/pod.yaml': POD,
      'manifests/extra.yaml': POD.replace('name: tool', 'name: extra'),
      'other/kustomization.yaml': 'resources: [pod.yaml]\n',
      'other/pod.yaml': POD.replace('name: tool', 'name: other'),
    });
    expect(
      only(report, 'BW-HOST-NAMESPACES')
        .map((f) => f.resource)
        .sort(),
    ).toEqual(['Pod/ops/extra', 'Pod/ops/other', 'Pod/ops/tool']);
    expect(report.inputs).toEqual([
      { file: 'kustomization.yaml', format: 'kustomize', objects: 1 },
      { file: 'manifests/extra.yaml', format: 'kubernetes', objects: 1 },
      { file: 'other/kustomization.yaml', format: 'kustomize', objects: 1 },
    ]);
  });

  it('a dangling symlink or a symlink loop is unreadable input with a one-line cause', () => {
    const dangling = project({ 'pod.yaml': POD });
    symlinkSync(join(dangling, 'missing.yaml'), join(dangling, 'gone.yaml'));
    const loop = project({ 'pod.yaml': POD });
    symlinkSync(join(loop, 'loop'), join(loop, 'loop'));
    const run = (cwd: string) => () =>
      audit({ paths: ['.'], cwd, today: TODAY, kubectl: false, waiversFile: false });
    expect(run(dangling)).toThrow(UnreadableInputError);
    expect(run(dangling)).toThrow(/^cannot read gone\.yaml: ENOENT$/);
    expect(run(loop)).toThrow(/^cannot read loop: ELOOP$/);
  });
});

describe('a kustomization audited without kubectl', () => {
  it('that does not parse is a located BW-INPUT-MALFORMED finding, not a silent pass', () => {
    const report = auditProject({
      'kustomization.yaml': 'resources:\n  - pod.yaml\nnamespace: [unclosed\n',
      'pod.yaml': POD,
    });
    const [finding] = only(report, 'BW-INPUT-MALFORMED');
    expect(finding?.location).toMatchObject({ file: 'kustomization.yaml', line: 4 });
    expect(gateFails(report, 'high')).toBe(true);
  });

  it('that names a resource which does not exist is a BW-INPUT-MALFORMED finding on that entry', () => {
    const report = auditProject({
      'kustomization.yaml': 'resources:\n  - pod.yaml\n  - missing.yaml\n',
      'pod.yaml': POD,
    });
    const malformed = only(report, 'BW-INPUT-MALFORMED');
    expect(malformed.map((f) => f.message)).toEqual([
      'resources entry missing.yaml does not exist',
    ]);
    expect(malformed[0]?.location).toEqual({ file: 'kustomization.yaml', line: 3, column: 5 });
    // The resources that do exist are still audited.
    expect(only(report, 'BW-HOST-NAMESPACES')).toHaveLength(1);
  });
});
