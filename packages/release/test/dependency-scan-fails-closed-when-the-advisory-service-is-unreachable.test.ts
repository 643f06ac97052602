import { freePort } from '@bulwark/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { scanDependencies } from '../src/dependencies/index.js';
import { fixtureProject, startAdvisoryService } from './dependency-advisory-service.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function scanAgainst(registry: string, allowUnreachable: boolean) {
  const project = await fixtureProject();
  cleanups.push(project.remove);
  return scanDependencies({
    root: project.root,
    waiversFile: project.waiversFile,
    failOn: 'high',
    omitDev: false,
    registry,
    allowUnreachable,
    now: new Date('2026-06-01T00:00:00Z'),
  });
}

describe('an advisory service that cannot be asked', () => {
  it('fails the check when the endpoint answers 405, and says the scan did not run', async () => {
    const service = await startAdvisoryService({ status: 405 });
    cleanups.push(service.close);

    const result = await scanAgainst(service.registry, false);

    expect(result.status).toBe('fail');
    expect(service.bulkRequests).toHaveLength(1);
    expect(result.findings).toEqual([
      {
        id: 'advisory-service-unreachable',
        message: `advisory service unreachable (405 Method Not Allowed - POST ${service.registry}-/npm/v1/security/advisories/bulk): the dependency scan did not run`,
      },
    ]);
  });

  it('passes with a warning, still saying so, when allowUnreachable is set', async () => {
    const service = await startAdvisoryService({ status: 405 });
    cleanups.push(service.close);

    const result = await scanAgainst(service.registry, true);

    expect(result.status).toBe('warn');
    expect(result.findings).toEqual([
      expect.objectContaining({ id: 'advisory-service-unreachable', warning: true }),
    ]);
    expect(result.findings[0]?.message).toMatch(/the dependency scan did not run$/);
  });

  it('fails the check when nothing listens on the registry port', async () => {
    const port = await freePort();

    const result = await scanAgainst(`http://127.0.0.1:${port}/`, false);

    expect(result.status).toBe('fail');
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]?.message).toMatch(
      /^advisory service unreachable \(.*ECONNREFUSED.*\): the dependency scan did not run$/,
    );
  });
});
