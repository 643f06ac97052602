import { afterEach, describe, expect, it } from 'vitest';
import { scanDependencies } from '../src/dependencies/index.js';
import { fixtureProject, startAdvisoryService } from './dependency-advisory-service.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

const NOW = new Date('2026-06-01T00:00:00Z');

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
    now: NOW,
  });
}

describe('a waiver with an owner, a reason and a future expiry', () => {
  it('waives the advisory it names: the check passes and reports who waived it', async () => {
    const result = await scanWith(`waivers:
  - id: GHSA-xvch-5gv4-984h:minimist
    owner: platform-team
    reason: minimist only parses our own build flags
    expires: 2026-12-31
`);

    expect(result.status).toBe('pass');
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]).toMatchObject({
      id: 'GHSA-xvch-5gv4-984h:minimist',
      waived: {
        owner: 'platform-team',
        reason: 'minimist only parses our own build flags',
        expires: '2026-12-31',
        state: 'active',
      },
    });
    expect(result.summary).toContain('0 blocking at high or above, 1 waived');
  });

  it('covers every package of an advisory when it names the GHSA id alone', async () => {
    const result = await scanWith(`waivers:
  - id: GHSA-xvch-5gv4-984h
    owner: platform-team
    reason: not reachable from input we do not control
    expires: 2026-12-31
`);

    expect(result.status).toBe('pass');
    expect(result.findings[0]?.waived?.owner).toBe('platform-team');
  });

  it('warns when it ends within the warning window', async () => {
    const result = await scanWith(`waivers:
  - id: GHSA-xvch-5gv4-984h:minimist
    owner: platform-team
    reason: upgrade scheduled
    expires: 2026-06-05
`);

    expect(result.status).toBe('warn');
    expect(result.findings[0]?.waived?.state).toBe('expiring');
  });

  it('warns as stale when it matches no advisory', async () => {
    const result = await scanWith(`waivers:
  - id: GHSA-xvch-5gv4-984h:minimist
    owner: platform-team
    reason: upgrade scheduled
    expires: 2026-12-31
  - id: GHSA-aaaa-bbbb-cccc:left-pad
    owner: platform-team
    reason: fixed long ago
    expires: 2026-12-31
`);

    expect(result.status).toBe('warn');
    expect(result.findings).toContainEqual({
      id: 'waiver:GHSA-aaaa-bbbb-cccc:left-pad',
      message:
        'waiver for GHSA-aaaa-bbbb-cccc:left-pad (.bulwark/release/dependency-waivers.yaml:6) matches no advisory: remove it',
      location: '.bulwark/release/dependency-waivers.yaml:6',
      warning: true,
    });
  });
});
