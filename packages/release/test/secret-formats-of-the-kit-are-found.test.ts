import { generateKeyPairSync, sign } from 'node:crypto';
import { join } from 'node:path';
import { ServiceTokenIssuer } from '@bulwark/kit';
import { generateApiKey } from '@bulwark/kit/api-keys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseCheckResult } from '../src/model.js';
import { type SecretFinding, scanSecrets } from '../src/secrets/index.js';
import {
  expectNoSecretIn,
  fakeAwsCredentials,
  makeTestRepo,
  type TestRepo,
} from './secrets-test-repo.js';

function privateKeyPem(type: 'ed25519' | 'rsa' | 'ec'): string {
  const pair =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : type === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
  const encoding = type === 'ec' ? 'sec1' : 'pkcs8';
  return pair.privateKey.export({ type: encoding, format: 'pem' }) as string;
}

/** The base64 body of a PEM block: what must never be shown. */
function body(pem: string): string {
  return pem.split('\n').slice(1, -2).join('');
}

let repo: TestRepo;
let result: ReleaseCheckResult;
const planted: string[] = [];

beforeAll(async () => {
  repo = makeTestRepo();
  const apiKey = generateApiKey().text;
  const { privateKey } = generateKeyPairSync('ed25519');
  const issuer = new ServiceTokenIssuer({
    issuer: 'orders',
    signer: {
      keyId: 'orders-tokens/v1',
      sign: async (data) => sign(null, data, privateKey),
    },
  });
  const token = await issuer.token('ledger');
  const ed25519 = privateKeyPem('ed25519');
  const rsa = privateKeyPem('rsa');
  const ec = privateKeyPem('ec');
  const encrypted = generateKeyPairSync('ed25519').privateKey.export({
    type: 'pkcs8',
    format: 'pem',
    cipher: 'aes-256-cbc',
    passphrase: 'made-up passphrase',
  }) as string;
  const hidden = fakeAwsCredentials();
  planted.push(apiKey, token, body(ed25519), body(rsa), body(ec), body(encrypted), hidden.secret);

  repo.write('config/api-key.txt', `BULWARK_API_KEY=${apiKey}\n`);
  repo.write('logs/request.log', `GET /orders Authorization: Bearer ${token}\n`);
  repo.write('keys/signing.pem', ed25519);
  repo.write('keys/rsa.pem', rsa);
  repo.write('keys/json-escaped.json', `{"key": ${JSON.stringify(rsa)}}\n`);
  repo.write('keys/ec.pem', ec);
  repo.write('keys/encrypted.pem', encrypted);
  repo.write(
    'docs/placeholders.md',
    [
      '-----BEGIN PRIVATE KEY-----',
      '...your key here...',
      '-----END PRIVATE KEY-----',
      `not a key: bwk_${'0'.repeat(16)}_tooShort`,
      '',
    ].join('\n'),
  );
  repo.write('src/hidden.ts', `// secretlint-disable\n${hidden.text}`);
  repo.commit('plant secrets');
  result = await scanSecrets({
    root: repo.dir,
    baselineFile: join(repo.dir, 'baseline.yaml'),
    history: true,
    exclude: [],
    now: new Date('2026-06-01T00:00:00Z'),
  });
});

afterAll(() => repo?.remove());

function findingAt(path: string): SecretFinding | undefined {
  return result.findings.find((finding) => finding.location?.startsWith(`${path}:`)) as
    | SecretFinding
    | undefined;
}

describe('the secrets the kit issues, and keys the preset misses', () => {
  it('finds a Bulwark API key, showing no more than its prefix', () => {
    const finding = findingAt('config/api-key.txt');
    expect(finding).toMatchObject({ rule: '@bulwark/secretlint-rule-kit' });
    expect(finding?.message).toMatch(
      /^Bulwark API key \(bwk_[0-9a-f]{4}…\) in config\/api-key\.txt:1$/,
    );
  });

  it('finds a service token the kit minted', () => {
    expect(findingAt('logs/request.log')?.message).toMatch(/^Bulwark service token /);
  });

  it('finds Ed25519, P-256 and encrypted private keys, which the recommended preset does not', () => {
    expect(findingAt('keys/signing.pem')).toMatchObject({ rule: '@bulwark/secretlint-rule-kit' });
    expect(findingAt('keys/ec.pem')).toMatchObject({ rule: '@bulwark/secretlint-rule-kit' });
    expect(findingAt('keys/encrypted.pem')).toMatchObject({ rule: '@bulwark/secretlint-rule-kit' });
  });

  it('reports an RSA key once (the preset finds it), also where it is escaped in JSON', () => {
    const rsaKey = findingAt('keys/json-escaped.json');
    expect(rsaKey).toMatchObject({
      rule: '@secretlint/secretlint-rule-privatekey',
      locations: [
        { path: 'keys/json-escaped.json', line: 1 },
        { path: 'keys/rsa.pem', line: 1 },
      ],
    });
    expect(rsaKey?.message).toMatch(
      /^private key \(MIIE.{0,4}…\) in keys\/json-escaped\.json:1 and 1 more$/,
    );
  });

  it('ignores placeholders, and a secretlint-disable comment does not hide a secret', () => {
    expect(findingAt('docs/placeholders.md')).toBeUndefined();
    expect(findingAt('src/hidden.ts')).toBeDefined();
    expect(result.findings).toHaveLength(7);
  });

  it('never puts a secret value in the result', () => {
    expectNoSecretIn(result, planted);
  });
});
