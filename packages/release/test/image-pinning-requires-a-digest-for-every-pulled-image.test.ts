import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkImagePinning } from '../src/images/index.js';

const root = fileURLToPath(new URL('./fixtures/images/', import.meta.url));

describe('check images: every pulled image is pinned by digest', () => {
  it('blocks FROM node:20, compose image: redis:7 and Deployment/CronJob images without a digest, at file:line', async () => {
    const result = await checkImagePinning({ root, paths: ['unpinned'] });
    expect(result.check).toBe('images');
    expect(result.status).toBe('fail');
    expect(result.summary).toBe('9 image references under unpinned: 5 not pinned or not checkable');
    expect(result.findings).toEqual([
      {
        id: 'redis:7',
        message: 'compose service cache: redis:7 is not pinned by digest',
        location: 'unpinned/compose.yaml:6',
      },
      {
        id: 'node:20',
        message: 'FROM: node:20 is not pinned by digest',
        location: 'unpinned/Dockerfile:2',
      },
      {
        id: 'busybox:1.36',
        message: 'COPY --from: busybox:1.36 is not pinned by digest',
        location: 'unpinned/Dockerfile:12',
      },
      {
        id: 'nginx:1.27',
        message: 'Deployment/web container web: nginx:1.27 is not pinned by digest',
        location: 'unpinned/k8s/deployment.yaml:13',
      },
      {
        id: 'ghcr.io/acme/report:2',
        message: 'CronJob/report container report: ghcr.io/acme/report:2 is not pinned by digest',
        location: 'unpinned/k8s/deployment.yaml:29',
      },
    ]);
    // Build stages (FROM build, COPY --from=build), the pinned runtime base, the built compose
    // service and the pinned init and sidecar containers are not findings.
    const ids = result.findings.map((f) => f.id);
    expect(ids).not.toContain('build');
    expect(ids.some((id) => id.includes('@sha256:'))).toBe(false);
    expect(ids).not.toContain('acme/api:1.0.0');
  });

  it('passes pinned references: an ARG default, a compose default, Pod and ephemeral containers; scratch is no image', async () => {
    const result = await checkImagePinning({ root, paths: ['pinned'] });
    expect(result).toMatchObject({
      status: 'pass',
      summary: '4 image references under pinned, all pinned by digest',
      findings: [],
    });
  });

  it('reports a FROM whose ARG has no default, an unset compose variable and a malformed digest', async () => {
    const result = await checkImagePinning({ root, paths: ['args'] });
    expect(result.status).toBe('fail');
    expect(result.findings.map((f) => [f.location, f.message])).toEqual([
      [
        'args/compose.yaml:3',
        'compose service cache: image cannot be checked: it uses a variable with no default that neither .env nor the file sets',
      ],
      [
        'args/compose.yaml:5',
        'compose service bad: redis:7@sha256:1234 has a digest that is not sha256:<64 hex digits>',
      ],
      [
        'args/Dockerfile:3',
        `FROM: image \${BASE} cannot be checked: ARG BASE has no default before the first FROM, so the image is whatever the build passes`,
      ],
      // ARG TAG=20 resolves: node:${TAG} is node:20.
      ['args/Dockerfile:4', 'FROM: node:20 is not pinned by digest'],
    ]);
  });

  it('judges Kustomize images entries: a digest pins, a newTag alone does not (located at the entry)', async () => {
    const overlays = await checkImagePinning({ root, paths: ['kustomize'] });
    expect(overlays.status).toBe('fail');
    // The base is judged through the overlays that include it: prod pins it by digest.
    expect(overlays.findings).toEqual([
      {
        id: 'ghcr.io/acme/app:1.1',
        message:
          'Deployment/app container app (image set by kustomize/overlays/staging/kustomization.yaml images entry ghcr.io/acme/app): ghcr.io/acme/app:1.1 is not pinned by digest',
        location: 'kustomize/overlays/staging/kustomization.yaml:7',
      },
    ]);
    const base = await checkImagePinning({ root, paths: ['kustomize/base'] });
    expect(base.findings.map((f) => [f.location, f.id])).toEqual([
      ['kustomize/base/kustomization.yaml:6', 'ghcr.io/acme/app:1.0'],
    ]);
  });

  it('checks a single named file, and refuses a path that does not exist', async () => {
    const file = await checkImagePinning({ root, paths: ['unpinned/Dockerfile'] });
    expect(file.findings.map((f) => f.location)).toEqual([
      'unpinned/Dockerfile:2',
      'unpinned/Dockerfile:12',
    ]);
    await expect(checkImagePinning({ root, paths: ['no-such-dir'] })).rejects.toMatchObject({
      name: 'ReleaseError',
      code: 'BW_RELEASE_CONFIG',
      message: 'images.paths: cannot read no-such-dir: no such file or directory',
    });
  });
});
