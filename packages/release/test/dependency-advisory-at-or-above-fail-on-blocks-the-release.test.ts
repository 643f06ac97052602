import { afterEach, describe, expect, it } from 'vitest';
import { scanDependencies } from '../src/dependencies/index.js';
import { fixtureProject, startAdvisoryService } from './dependency-advisory-service.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

describe('an advisory at or above failOn', () => {
  it('blocks the release, named by its GHSA id and package', async () => {
    const service = await startAdvisoryService({ recording: 'minimist-critical' });
    const project = await fixtureProject();
    cleanups.push(service.close, project.remove);

    const result = await scanDependencies({
      root: project.root,
      waiversFile: project.waiversFile,
      failOn: 'high',
      omitDev: false,
      registry: service.registry,
      allowUnreachable: false,
      now: new Date('2026-06-01T00:00:00Z'),
    });

    expect(result.check).toBe('dependencies');
    expect(result.status).toBe('fail');
    // Two numbered npm entries of the one GHSA advisory are one finding; only the range that
    // covers 1.2.5 matched.
    expect(result.findings).toEqual([
      {
        id: 'GHSA-xvch-5gv4-984h:minimist',
        message:
          'minimist: Prototype Pollution in minimist (critical; GHSA-xvch-5gv4-984h; vulnerable >=1.0.0 <1.2.6; fixed in minimist@1.2.8)',
        location: 'minimist',
      },
    ]);
    expect(result.summary).toBe(
      'npm audit of 3 packages: 1 advisory (1 blocking at high or above, 0 waived, 0 below high)',
    );
    // npm asked about every locked package, devDependencies included.
    expect(service.bulkRequests).toEqual([
      { 'left-pad': ['1.3.0'], minimist: ['1.2.5'], 'word-wrap': ['1.2.3'] },
    ]);
    // The recordings answered everything npm asked (the advisories, and minimist's packument).
    expect(service.unanswered).toEqual([]);
  });

  it('leaves devDependencies out of the question when omitDev is set', async () => {
    const service = await startAdvisoryService({ recording: 'minimist-critical' });
    const project = await fixtureProject();
    cleanups.push(service.close, project.remove);

    const result = await scanDependencies({
      root: project.root,
      waiversFile: project.waiversFile,
      failOn: 'critical',
      omitDev: true,
      registry: service.registry,
      allowUnreachable: false,
      now: new Date('2026-06-01T00:00:00Z'),
    });

    expect(result.status).toBe('fail');
    expect(result.findings.map((finding) => finding.id)).toEqual(['GHSA-xvch-5gv4-984h:minimist']);
    expect(service.bulkRequests).toEqual([{ minimist: ['1.2.5'], 'word-wrap': ['1.2.3'] }]);
  });
});
