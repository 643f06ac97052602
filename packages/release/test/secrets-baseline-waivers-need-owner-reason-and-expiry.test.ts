import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReleaseCheckResult } from '../src/model.js';
import { scanSecrets, secretsBaselineYaml } from '../src/secrets/index.js';
import {
  expectNoSecretIn,
  FAR_FUTURE,
  fakeAwsCredentials,
  makeTestRepo,
  type TestRepo,
} from './secrets-test-repo.js';

const BASELINE = '.bulwark/release/secrets-baseline.yaml';
const NOW = new Date('2026-06-01T00:00:00Z');

const repos: TestRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.remove();
});

function scan(at: TestRepo): Promise<ReleaseCheckResult> {
  return scanSecrets({
    root: at.dir,
    baselineFile: join(at.dir, BASELINE),
    history: true,
    exclude: [],
    now: NOW,
  });
}

/** A repository with one made-up AWS secret committed in fixtures/aws.env, and its id. */
async function repoWithSecret() {
  const repo = makeTestRepo();
  repos.push(repo);
  const aws = fakeAwsCredentials();
  repo.write('fixtures/aws.env', aws.text);
  repo.commit('fixture');
  const first = await scan(repo);
  const id = first.findings[0]?.id as string;
  expect(id).toMatch(/^[0-9a-f]{16}$/);
  return { repo, aws, id };
}

function entry(fields: Record<string, string>): string {
  const lines = Object.entries(fields).map(([key, value], index) =>
    index === 0 ? `  - ${key}: ${value}` : `    ${key}: ${value}`,
  );
  return lines.join('\n');
}

describe('the secrets baseline', () => {
  it('waives a secret it names with owner, reason and expiry; the release passes', async () => {
    const { repo, aws, id } = await repoWithSecret();
    repo.write(
      BASELINE,
      `secrets:\n${entry({ id, rule: 'aws', owner: 'team-payments', reason: 'test fixture, never a real key', expires: FAR_FUTURE })}\n`,
    );

    const result = await scan(repo);

    expect(result.status).toBe('pass');
    expect(result.summary).toMatch(/: 1 secret \(1 waived\)$/);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]).toMatchObject({
      id,
      location: 'fixtures/aws.env:2',
      waived: {
        owner: 'team-payments',
        reason: 'test fixture, never a real key',
        expires: FAR_FUTURE,
        state: 'active',
      },
    });
    expectNoSecretIn(result, [aws.secret]);
  });

  it('warns when the waiving entry expires within the warning window', async () => {
    const { repo, id } = await repoWithSecret();
    repo.write(
      BASELINE,
      `secrets:\n${entry({ id, owner: 'team-payments', reason: 'fixture', expires: '2026-06-05' })}\n`,
    );

    const result = await scan(repo);

    expect(result.status).toBe('warn');
    expect(result.findings[0]?.waived?.state).toBe('expiring');
  });

  it('fails when the entry has expired: the secret is not waived and the entry is a finding', async () => {
    const { repo, id } = await repoWithSecret();
    repo.write(
      BASELINE,
      `# reviewed\nsecrets:\n${entry({ id, owner: 'team-payments', reason: 'fixture', expires: '2026-05-01' })}\n`,
    );

    const result = await scan(repo);

    expect(result.status).toBe('fail');
    const secret = result.findings.find((finding) => finding.id === id);
    expect(secret?.waived).toBeUndefined();
    const expired = result.findings.find((finding) => finding.id === `baseline/${id}`);
    expect(expired).toMatchObject({ location: `${BASELINE}:3` });
    expect(expired?.message).toMatch(/expired on 2026-05-01: it waives nothing$/);
    expect(expired?.warning).toBeUndefined();
    expect(result.summary).toMatch(/1 secret \(0 waived\); 1 unusable baseline entry$/);
  });

  it('does not waive a secret when the entry names another rule', async () => {
    const { repo, id } = await repoWithSecret();
    repo.write(
      BASELINE,
      `secrets:\n${entry({ id, rule: 'github', owner: 'qa', reason: 'fixture', expires: FAR_FUTURE })}\n`,
    );

    const result = await scan(repo);

    expect(result.status).toBe('fail');
    expect(result.findings.find((finding) => finding.id === id)?.waived).toBeUndefined();
  });

  it('fails when the entry has no owner, even though it names the secret', async () => {
    const { repo, id } = await repoWithSecret();
    repo.write(BASELINE, `secrets:\n${entry({ id, reason: 'fixture', expires: FAR_FUTURE })}\n`);

    const result = await scan(repo);

    expect(result.status).toBe('fail');
    expect(result.findings.find((finding) => finding.id === id)?.waived).toBeUndefined();
    const ownerless = result.findings.find((finding) => finding.id === `baseline/${id}`);
    expect(ownerless?.message).toMatch(/has no owner: it waives nothing$/);
  });

  it('warns about an entry that matches no secret, so it is removed', async () => {
    const { repo, id } = await repoWithSecret();
    repo.write(
      BASELINE,
      [
        'secrets:',
        entry({ id, owner: 'team-payments', reason: 'fixture', expires: FAR_FUTURE }),
        entry({ id: '0123456789abcdef', owner: 'team-a', reason: 'old', expires: FAR_FUTURE }),
        '',
      ].join('\n'),
    );

    const result = await scan(repo);

    expect(result.status).toBe('warn');
    const stale = result.findings.find((finding) => finding.id === 'baseline/0123456789abcdef');
    expect(stale).toMatchObject({ warning: true, location: `${BASELINE}:6` });
    expect(stale?.message).toMatch(/stale .* matches no secret: remove it$/);
  });

  it('covers only the path an entry names: the same secret elsewhere still fails', async () => {
    const { repo, aws, id } = await repoWithSecret();
    repo.write('src/settings.env', `# copied\n${aws.text}`);
    repo.write(
      BASELINE,
      `secrets:\n${entry({ id, path: 'fixtures/**', owner: 'qa', reason: 'fixture', expires: FAR_FUTURE })}\n`,
    );

    const result = await scan(repo);

    expect(result.status).toBe('fail');
    expect(result.findings[0]).toMatchObject({ id, location: 'src/settings.env:3' });
    expect(result.findings[0]?.waived).toBeUndefined();
  });

  it('refuses a baseline that is not YAML, naming the file and line', async () => {
    const { repo } = await repoWithSecret();
    repo.write(BASELINE, 'secrets:\n  - id: abc\n    owner: [unclosed\n');

    await expect(scan(repo)).rejects.toMatchObject({
      code: 'BW_RELEASE_WAIVERS',
      message: expect.stringMatching(/^\.bulwark\/release\/secrets-baseline\.yaml:\d+: /),
    });
  });

  it('writes baseline entries that make the next scan pass, without the secret in them', async () => {
    const { repo, aws, id } = await repoWithSecret();
    const failing = await scan(repo);
    const ownership = {
      owner: 'security',
      reason: 'fake key in a test fixture',
      expires: FAR_FUTURE,
    };

    const text = secretsBaselineYaml(failing.findings, ownership);
    expect(text).not.toContain(aws.secret);
    expect(text).toContain(`id: ${id}`);
    repo.write(BASELINE, text);
    const passing = await scan(repo);
    expect(passing.status).toBe('pass');
    expect(passing.findings[0]?.waived?.owner).toBe('security');

    // Appending to the file keeps what is there and does not repeat an entry.
    const other = fakeAwsCredentials();
    repo.write('more/other.env', other.text);
    const again = await scan(repo);
    const existing = readFileSync(join(repo.dir, BASELINE), 'utf8');
    const appended = secretsBaselineYaml(again.findings, { ...ownership, existing });
    expect(appended.startsWith(existing.trimEnd().split('\n')[0] as string)).toBe(true);
    expect(appended.match(new RegExp(`id: ${id}`, 'g'))).toHaveLength(1);
    repo.write(BASELINE, appended);
    expect((await scan(repo)).status).toBe('pass');

    expect(() => secretsBaselineYaml(failing.findings, { ...ownership, owner: ' ' })).toThrow(
      'needs owner, reason and expires (owner is empty)',
    );
  });
});
