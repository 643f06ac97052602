import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scanDependencies } from '../src/dependencies/index.js';
import { ReleaseError } from '../src/errors.js';
import { fixtureProject, startAdvisoryService } from './dependency-advisory-service.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function setUp(waivers?: string) {
  const service = await startAdvisoryService({ recording: 'none' });
  const project = await fixtureProject(waivers);
  cleanups.push(service.close, project.remove);
  const scan = () =>
    scanDependencies({
      root: project.root,
      waiversFile: project.waiversFile,
      failOn: 'low',
      omitDev: false,
      registry: service.registry,
      allowUnreachable: false,
      now: new Date('2026-06-01T00:00:00Z'),
    });
  return { service, project, scan };
}

describe('a lockfile the advisory service knows nothing against', () => {
  it('passes with no findings', async () => {
    const { service, scan } = await setUp();

    const result = await scan();

    expect(result).toEqual({
      check: 'dependencies',
      status: 'pass',
      summary:
        'npm audit of 3 packages: 0 advisories (0 blocking at low or above, 0 waived, 0 below low)',
      findings: [],
    });
    expect(service.bulkRequests).toHaveLength(1);
  });

  it('cannot be scanned without a lockfile: ReleaseError BW_RELEASE_AUDIT', async () => {
    const { project, scan } = await setUp();
    await rm(join(project.root, 'package-lock.json'));

    const error = await scan().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ReleaseError);
    expect(error).toMatchObject({ code: 'BW_RELEASE_AUDIT' });
    expect((error as Error).message).toMatch(/^npm audit failed: ENOLOCK: /);
  });

  it('refuses a waivers file that is not YAML: ReleaseError BW_RELEASE_WAIVERS', async () => {
    const { scan } = await setUp('waivers:\n  - id: [unclosed\n');

    const error = await scan().catch((caught: unknown) => caught);

    expect(error).toMatchObject({ code: 'BW_RELEASE_WAIVERS' });
    expect((error as Error).message).toMatch(
      /^\.bulwark\/release\/dependency-waivers\.yaml:\d+: not valid YAML: /,
    );
  });
});
