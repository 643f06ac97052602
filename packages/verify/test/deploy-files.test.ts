import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemPart } from '@bulwark/testkit';
import { describe, expect, it } from 'vitest';
import { audit, gateFails } from '../src/index.js';
import { project } from './helpers.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const kubectl = systemPart({
  name: 'kubectl',
  install: 'apt-get install -y kubernetes-client',
  probe: ['kubectl', 'version', '--client'],
});

function expectClean(report: ReturnType<typeof audit>): void {
  expect(
    report.findings
      .filter((finding) => !finding.waiver)
      .map((f) => `${f.location.file}:${f.location.line} ${f.controlId} ${f.message}`),
  ).toEqual([]);
}

describe("the repository's own deploy files, without kubectl", () => {
  it('pass with the kustomization audited from its resources and image transformer', () => {
    const report = audit({ paths: ['deploy'], cwd: REPO, kubectl: false });
    expectClean(report);
    expect(report.notes).toEqual([expect.stringContaining('kubectl not used')]);
  });
});

describe.skipIf(!kubectl.available)("the repository's own deploy files", () => {
  it('pass bulwark audit deploy/ with no unwaived findings', () => {
    const report = audit({ paths: ['deploy'], cwd: REPO });
    expect(report.notes).toEqual([]);
    expectClean(report);
    expect(gateFails(report, 'info')).toBe(false);
    const formats = new Set(report.inputs.map((input) => input.format));
    for (const format of ['compose', 'dockerfile', 'kustomize'] as const) {
      expect(formats).toContain(format);
    }
    expect(report.objects).toBeGreaterThanOrEqual(9);
  });

  it('locates findings of a rendered Kustomize directory in the source files', async () => {
    const dir = project({
      'base/kustomization.yaml': 'resources: [pod.yaml]\nnamePrefix: prod-\nnamespace: shop\n',
      'base/pod.yaml':
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: tool\nspec:\n  hostNetwork: true\n  containers: [{name: c, image: nginx}]\n',
    });
    const report = audit({ paths: ['.'], cwd: dir, today: '2026-06-01' });
    const finding = report.findings.find((f) => f.controlId === 'BW-HOST-NAMESPACES');
    expect(finding?.resource).toBe('Pod/shop/prod-tool');
    expect(finding?.location).toMatchObject({ file: 'base/pod.yaml', line: 6, column: 3 });
    expect(report.inputs).toEqual([
      { file: 'base/kustomization.yaml', format: 'kustomize', objects: 1 },
    ]);
  });

  it('never renders a kustomization with remote resources (no network calls); its local files are still audited', async () => {
    const dir = project({
      'app/kustomization.yaml':
        'resources:\n  - https://github.com/example/repo//base?ref=v1\n  - pod.yaml\n',
      'app/pod.yaml':
        'apiVersion: v1\nkind: Pod\nmetadata: {name: tool}\nspec:\n  hostIPC: true\n  containers: [{name: c, image: nginx}]\n',
    });
    const report = audit({ paths: ['.'], cwd: dir, today: '2026-06-01' });
    expect(report.notes).toEqual([expect.stringContaining('names remote resources: not rendered')]);
    expect(
      report.findings.find((f) => f.controlId === 'BW-HOST-NAMESPACES')?.location,
    ).toMatchObject({ file: 'app/pod.yaml', line: 5 });
  });
});
