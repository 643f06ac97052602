import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineFailure, type Run, runCli } from './run-cli.js';

/**
 * `bulwark release` end to end on a real repository made here: a workspace package, a pinned
 * Dockerfile, file keys outside the tree. The blockers themselves are proved one by one in
 * packages/release/test; this proves the command wires them, exits 0/1/2 as documented, and
 * that sign → approve → verify holds together, and breaks when a tarball changes.
 */
const work = mkdtempSync(join(tmpdir(), 'bulwark-cli-release-'));
const repo = join(work, 'repo');
const keys = join(work, 'keys');
const approvers = join(work, 'approvers.keyring.json');
const env = {
  BULWARK_KEYS_PROVIDER: 'file',
  BULWARK_KEYS_DIR: keys,
  NODE_ENV: undefined,
  BULWARK_ALLOW_FILE_KEYS: undefined,
};
const startedIn = process.cwd();

function git(...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=t@example.com', ...args], {
    cwd: repo,
    encoding: 'utf8',
  });
}

/** The CLI run in `dir` (the release commands work on the repository they are started in). */
async function bulwark(args: string[], dir = repo): Promise<Run> {
  process.chdir(dir);
  try {
    return await runCli(args, env);
  } finally {
    process.chdir(startedIn);
  }
}

const DIGEST = `sha256:${'ab'.repeat(32)}`;

beforeAll(() => {
  mkdirSync(join(repo, 'packages', 'lib'), { recursive: true });
  mkdirSync(join(repo, 'deploy'), { recursive: true });
  writeFileSync(
    join(repo, 'package.json'),
    JSON.stringify({ name: 'demo', private: true, workspaces: ['packages/*'] }),
  );
  writeFileSync(
    join(repo, 'packages', 'lib', 'package.json'),
    JSON.stringify({ name: 'demo-lib', version: '1.0.0', type: 'module', exports: './index.js' }),
  );
  writeFileSync(join(repo, 'packages', 'lib', 'index.js'), 'export const answer = 42;\n');
  writeFileSync(join(repo, 'deploy', 'Dockerfile'), `FROM node:20-bookworm-slim@${DIGEST}\n`);
  writeFileSync(join(repo, '.gitignore'), '.bulwark/release/out/\nnode_modules/\n');
  writeFileSync(
    join(repo, 'bulwark.release.yaml'),
    [
      'version: 1',
      'signoff:',
      '  roles:',
      '    qa: { keys: [release-qa/v1] }',
      '    security: { keys: [release-security/v1] }',
      '    devops: { keys: [release-devops/v1] }',
      '  required: 2',
      `  keyring: ${approvers}`,
      '',
    ].join('\n'),
  );
  execFileSync('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund', '--offline'], {
    cwd: repo,
    stdio: 'ignore',
  });
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo });
  git('add', '-A');
  git('commit', '-q', '-m', 'first');
}, 60_000);

afterAll(() => {
  process.chdir(startedIn);
  rmSync(work, { recursive: true, force: true });
});

describe('bulwark release', () => {
  it('says go on a clean, pinned, secret-free tree', async () => {
    const run = await bulwark([
      'release',
      'check',
      '--only',
      'tree,version,secrets,images',
      '--format',
      'json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { ok: boolean; results: { check: string }[] };
    expect(report.ok).toBe(true);
    expect(report.results.map((r) => r.check)).toEqual(['tree', 'version', 'secrets', 'images']);
  });

  it('exits 1 and names the blocker when a secret is planted', async () => {
    const file = join(repo, 'leak.env');
    writeFileSync(file, `API_KEY=bwk_0123456789abcdef_${'Zx9'.repeat(14)}q\n`);
    try {
      const run = await bulwark(['release', 'check', '--only', 'secrets']);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/FAIL\s+secrets/);
      expect(run.stdout).toContain('leak.env:1');
      expect(run.stdout).not.toContain('Zx9Zx9');
      expect(run.stdout).toContain('release check: no-go (secrets)');
    } finally {
      rmSync(file);
    }
  });

  it('answers bad input with one line and exit 2', async () => {
    // commander's own refusal: its line, then the pointer to --help.
    const unknown = await bulwark(['release', 'check', '--only', 'bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown check bogus \(checks: tree, version/);
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
    expectOneLineFailure(
      await bulwark(['release', 'check', '--config', join(work, 'missing.yaml')]),
      /cannot read .*missing\.yaml/,
    );
    const bad = join(work, 'bad.yaml');
    writeFileSync(bad, 'version: 1\nsecrets: { history: maybe }\n');
    expectOneLineFailure(
      await bulwark(['release', 'check', '--config', bad]),
      /\/secrets\/history must be boolean/,
    );
    const notRepo = mkdtempSync(join(work, 'plain-'));
    expectOneLineFailure(
      await bulwark(['release', 'check', '--only', 'tree'], notRepo),
      /git|repository/i,
    );
    expectOneLineFailure(
      await bulwark(['release', 'approve', 'x.jsonl', '--role', 'nobody']),
      /--role nobody is not a sign-off role \(roles: qa, security, devops\)/,
    );
    const notADate = await bulwark([
      'release',
      'baseline',
      '--owner',
      'a',
      '--reason',
      'b',
      '--expires',
      'soon',
    ]);
    expect(notADate.code).toBe(2);
    expect(notADate.stderr).toMatch(/expected a date, YYYY-MM-DD/);
  });

  it('signs, collects m-of-n approvals, verifies, and refuses a tarball changed after signing', async () => {
    for (const name of ['release', 'release-qa', 'release-security']) {
      expect((await bulwark(['keys', 'init', name, '--dir', keys])).code).toBe(0);
    }
    expect((await bulwark(['keys', 'export-public', '--dir', keys, '--out', approvers])).code).toBe(
      0,
    );

    const signed = await bulwark(['release', 'sign', '--no-evidence', '--format', 'json']);
    expect(signed.code, signed.stderr).toBe(0);
    const summary = JSON.parse(signed.stdout) as {
      attestation: string;
      signedBy: string;
      tarballs: { file: string; sha256: string }[];
    };
    expect(summary.signedBy).toBe('release/v1');
    expect(summary.tarballs).toHaveLength(1);
    const attestation = join(repo, summary.attestation);

    const early = await bulwark(['release', 'verify', attestation, '--format', 'json']);
    expect(early.code).toBe(1);
    expect(early.stdout).toMatch(/approvals-missing/);

    const approved = await bulwark([
      'release',
      'approve',
      attestation,
      '--role',
      'qa',
      '--key',
      'release-qa',
    ]);
    expect(approved.code, approved.stderr).toBe(0);
    // The security key may not approve for devops: refused before anything is written.
    expectOneLineFailure(
      await bulwark([
        'release',
        'approve',
        attestation,
        '--role',
        'devops',
        '--key',
        'release-security',
      ]),
      /may not approve for devops/,
    );
    expect(
      (
        await bulwark([
          'release',
          'approve',
          attestation,
          '--role',
          'security',
          '--key',
          'release-security',
        ])
      ).code,
    ).toBe(0);

    const verified = await bulwark(['release', 'verify', attestation]);
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.stdout).toMatch(/^VALID/);
    expect(verified.stdout).toContain('approved  qa by release-qa/v1');

    const tarball = join(repo, summary.tarballs[0]?.file ?? '');
    const bytes = readFileSync(tarball);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    writeFileSync(tarball, bytes);
    const tampered = await bulwark(['release', 'verify', attestation]);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(/^INVALID/);
    expect(tampered.stdout).toContain('demo-lib-1.0.0.tgz');
  }, 120_000);
});
