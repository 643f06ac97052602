import { afterEach, describe, expect, it } from 'vitest';
import { scanDependencies } from '../src/dependencies/index.js';
import { fixtureProject, startAdvisoryService } from './dependency-advisory-service.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function scanWith(waivers: string) {
  const service = await startAdvisoryService({ recording: 'minimist-critical' });
  const project = await fixtureProject(waivers);
  cleanups.push(service.close, project.remove);
  return scanDependencies({
    root: project.root,
    waiversFile: project.waiversFile,
    failOn: 'high',
    omitDev: false,
    registry: service.registry,
    allowUnreachable: false,
    now: new Date('2026-06-01T00:00:00Z'),
  });
}

describe('a waiver that cannot waive', () => {
  it('blocks when expired: the advisory stays unwaived and the waiver is named', async () => {
    const result = await scanWith(`# accepted for the 2025 release
waivers:
  - id: GHSA-xvch-5gv4-984h:minimist
    owner: platform-team
    reason: minimist only parses our own build flags
    expires: 2026-01-31
`);

    expect(result.status).toBe('fail');
    expect(result.findings).toEqual([
      expect.objectContaining({ id: 'GHSA-xvch-5gv4-984h:minimist', location: 'minimist' }),
      {
        id: 'waiver:GHSA-xvch-5gv4-984h:minimist',
        message:
          'waiver for GHSA-xvch-5gv4-984h:minimist (.bulwark/release/dependency-waivers.yaml:3) (owner platform-team) expired on 2026-01-31: it waives nothing',
        location: '.bulwark/release/dependency-waivers.yaml:3',
      },
    ]);
    expect(result.findings[0]?.waived).toBeUndefined();
  });

  it('blocks when it has no owner or reason, even though a valid one waives the advisory', async () => {
    const result = await scanWith(`waivers:
  - id: GHSA-xvch-5gv4-984h
    expires: 2026-12-31
  - id: GHSA-xvch-5gv4-984h:minimist
    owner: platform-team
    reason: minimist only parses our own build flags
    expires: 2026-12-31
`);

    expect(result.status).toBe('fail');
    expect(result.findings[0]?.waived?.owner).toBe('platform-team');
    expect(result.findings[1]).toEqual({
      id: 'waiver:GHSA-xvch-5gv4-984h',
      message:
        'waiver for GHSA-xvch-5gv4-984h (.bulwark/release/dependency-waivers.yaml:2) has no owner, reason: it waives nothing',
      location: '.bulwark/release/dependency-waivers.yaml:2',
    });
  });
});
