import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ReleaseError } from '../src/errors.js';
import { scanSecrets } from '../src/secrets/index.js';
import {
  expectNoSecretIn,
  fakeAwsCredentials,
  makeTestRepo,
  type TestRepo,
} from './secrets-test-repo.js';

const repos: TestRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.remove();
});

function repo(): TestRepo {
  const made = makeTestRepo();
  repos.push(made);
  return made;
}

function scan(at: TestRepo, options: { exclude?: string[]; maxFileBytes?: number } = {}) {
  return scanSecrets({
    root: at.dir,
    baselineFile: join(at.dir, '.bulwark/release/secrets-baseline.yaml'),
    history: true,
    exclude: options.exclude ?? [],
    now: new Date('2026-06-01T00:00:00Z'),
    maxFileBytes: options.maxFileBytes,
  });
}

describe('the secret scan of the tree', () => {
  it('passes a clean repository and says what it scanned', async () => {
    const clean = repo();
    clean.write('README.md', '# a project\n\nNothing to hide: password=changeme is documented.\n');
    clean.write('src/index.ts', 'export const answer = 42;\n');
    clean.commit('first');

    const result = await scan(clean);

    expect(result).toMatchObject({ check: 'secrets', status: 'pass', findings: [] });
    expect(result.summary).toBe('scanned 2 files and 0 history blobs: 0 secrets (0 waived)');
  });

  it('fails on a committed secret, at its file and line, without showing it', async () => {
    const leaky = repo();
    const aws = fakeAwsCredentials();
    leaky.write('src/index.ts', 'export const answer = 42;\n');
    leaky.write('config/deploy.env', `REGION=eu-west-1\n${aws.text}`);
    leaky.commit('add deploy config');

    const result = await scan(leaky);

    expect(result.status).toBe('fail');
    expect(result.summary).toBe('scanned 2 files and 0 history blobs: 1 secret (0 waived)');
    expect(result.findings).toHaveLength(1);
    const [finding] = result.findings;
    expect(finding?.id).toMatch(/^[0-9a-f]{16}$/);
    expect(finding?.location).toBe('config/deploy.env:3');
    expect(finding?.message).toMatch(
      /^AWS secret access key \(.{1,8}…\) in config\/deploy\.env:3$/,
    );
    expect(finding?.waived).toBeUndefined();
    expectNoSecretIn(result, [aws.secret]);
  });

  it('fails on a secret in a new file not yet committed, and skips ignored ones', async () => {
    const working = repo();
    working.write('.gitignore', 'local/\n');
    working.commit('ignore local files');
    const staged = fakeAwsCredentials();
    const ignored = fakeAwsCredentials();
    working.write('new-service.env', staged.text);
    working.write('local/mine.env', ignored.text);

    const result = await scan(working);

    expect(result.status).toBe('fail');
    expect(result.findings.map((finding) => finding.location)).toEqual(['new-service.env:2']);
    expectNoSecretIn(result, [staged.secret, ignored.secret]);
  });

  it('reports the same secret in two files as one finding with both places', async () => {
    const copied = repo();
    const aws = fakeAwsCredentials();
    copied.write('a.env', aws.text);
    copied.write('nested/b.env', `# copy\n${aws.text}`);
    copied.commit('two copies');

    const result = await scan(copied);

    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]).toMatchObject({
      location: 'a.env:2',
      locations: [
        { path: 'a.env', line: 2 },
        { path: 'nested/b.env', line: 3 },
      ],
    });
    expect(result.findings[0]?.message).toMatch(/in a\.env:2 and 1 more$/);
  });

  it('skips excluded paths, binaries, and files over the size bound, saying so', async () => {
    const mixed = repo();
    const excluded = fakeAwsCredentials();
    const inBinary = fakeAwsCredentials();
    const inLarge = fakeAwsCredentials();
    mixed.write('fixtures/fake.env', excluded.text);
    mixed.write('image.bin', Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(inBinary.text)]));
    mixed.write('big.log', `${'x'.repeat(2048)}\n${inLarge.text}`);
    mixed.write('ok.txt', 'fine\n');
    mixed.commit('mixed files');

    const result = await scan(mixed, { exclude: ['fixtures/**'], maxFileBytes: 1024 });

    expect(result.status).toBe('pass');
    expect(result.summary).toBe(
      'scanned 1 file and 0 history blobs: 0 secrets (0 waived); skipped 1 file and 1 history blob over 1 KiB',
    );
  });

  it('refuses a directory that is not a git repository', async () => {
    const plain = mkdtempSync(join(tmpdir(), 'bw-secrets-plain-'));
    try {
      const scanning = scanSecrets({
        root: plain,
        baselineFile: join(plain, 'baseline.yaml'),
        history: true,
        exclude: [],
        now: new Date(),
      });
      await expect(scanning).rejects.toBeInstanceOf(ReleaseError);
      await expect(scanning).rejects.toMatchObject({
        code: 'BW_RELEASE_GIT',
        message: `${plain} is not a git repository`,
      });
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
  });
});
