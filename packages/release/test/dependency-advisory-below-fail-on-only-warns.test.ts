import { afterEach, describe, expect, it } from 'vitest';
import { scanDependencies } from '../src/dependencies/index.js';
import { fixtureProject, startAdvisoryService } from './dependency-advisory-service.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function scanModerate(failOn: 'high' | 'moderate') {
  const service = await startAdvisoryService({ recording: 'word-wrap-moderate' });
  const project = await fixtureProject();
  cleanups.push(service.close, project.remove);
  return scanDependencies({
    root: project.root,
    waiversFile: project.waiversFile,
    failOn,
    omitDev: false,
    registry: service.registry,
    allowUnreachable: false,
    now: new Date('2026-06-01T00:00:00Z'),
  });
}

describe('a moderate advisory', () => {
  it('warns without blocking under failOn high', async () => {
    const result = await scanModerate('high');

    expect(result.status).toBe('warn');
    expect(result.findings).toEqual([
      {
        id: 'GHSA-j8xg-fqg3-53r7:word-wrap',
        message:
          'word-wrap: word-wrap vulnerable to Regular Expression Denial of Service (moderate; GHSA-j8xg-fqg3-53r7; vulnerable <1.2.4; fixed in word-wrap@1.2.5; below high: warns)',
        location: 'word-wrap',
        warning: true,
      },
    ]);
    expect(result.summary).toContain('0 blocking at high or above, 0 waived, 1 below high');
  });

  it('blocks under failOn moderate', async () => {
    const result = await scanModerate('moderate');

    expect(result.status).toBe('fail');
    expect(result.findings[0]?.warning).toBeUndefined();
  });
});
