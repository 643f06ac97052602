import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AwsSecretsManagerProvider } from '../src/secrets/aws-provider.js';
import { SecretNotFoundError, SecretProviderError } from '../src/secrets/secret-errors.js';
import { SecretStore } from '../src/secrets/secret-store.js';
import {
  type FakeSecretsManager,
  startFakeSecretsManager,
} from './secrets-fixtures/fake-secrets-manager.js';
import { secretsConfig } from './secrets-fixtures/store-config.js';

/*
 * Contract tests: AWS cannot be reached here, so a local server speaks the AWS JSON 1.1 wire
 * shape of GetSecretValue (fake-secrets-manager.ts); the provider runs the real SDK against it
 * with fake credentials, and the tests assert the signed requests it sends.
 */

const ACCESS_KEY = 'AKIACONTRACTTEST0001';
const SECRET_KEY = 'contract-secret-access-key-do-not-leak';
let aws: FakeSecretsManager;
let closers: Array<() => Promise<void>> = [];

beforeEach(async () => {
  aws = await startFakeSecretsManager();
});

afterEach(async () => {
  for (const close of closers) await close();
  closers = [];
  vi.unstubAllEnvs();
  await aws.close();
});

function provider(prefix = '') {
  const made = new AwsSecretsManagerProvider({
    region: 'eu-west-1',
    prefix,
    endpoint: aws.url,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
  });
  closers.push(() => made.close());
  return made;
}

describe('AWS Secrets Manager provider (contract)', () => {
  it('sends a signed GetSecretValue for <prefix><name> and returns the SecretString', async () => {
    aws.secrets.set('prod/core-api/openai', 'sk-from-aws-123');
    expect(await provider('prod/core-api/').read('openai')).toBe('sk-from-aws-123');
    expect(aws.requests).toHaveLength(1);
    const [request] = aws.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/');
    expect(request?.headers['x-amz-target']).toBe('secretsmanager.GetSecretValue');
    expect(request?.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(JSON.parse(request?.body ?? '')).toEqual({ SecretId: 'prod/core-api/openai' });
    expect(request?.headers.authorization).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=${ACCESS_KEY}/\\d{8}/eu-west-1/secretsmanager/aws4_request, SignedHeaders=[^,]*x-amz-target[^,]*, Signature=[0-9a-f]{64}$`,
      ),
    );
    expect(request?.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(JSON.stringify(request?.headers)).not.toContain(SECRET_KEY);
  });

  it('reads a #field of a JSON SecretString, and a SecretBinary as UTF-8', async () => {
    aws.secrets.set('db', JSON.stringify({ username: 'app', password: 'pw-from-aws-456' }));
    aws.secrets.set('cert', Buffer.from('binary-secret-789'));
    const secrets = provider();
    expect(await secrets.read('db', 'password')).toBe('pw-from-aws-456');
    expect(await secrets.read('db', 'host')).toBeUndefined();
    expect(await secrets.read('cert')).toBe('binary-secret-789');
  });

  it('treats ResourceNotFoundException as "not here"', async () => {
    expect(await provider().read('absent')).toBeUndefined();
    expect(aws.requests).toHaveLength(1);
  });

  it('any other AWS error is a typed error with the AWS error type, and no credential', async () => {
    aws.secrets.set('openai', 'sk-from-aws-123');
    aws.failWith = 'AccessDeniedException';
    const error = await provider()
      .read('openai')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretProviderError);
    expect((error as SecretProviderError).code).toBe('BW_SECRET_PROVIDER_FAILED');
    expect((error as Error).message).toBe(
      'aws secrets manager eu-west-1 could not read secret "openai": GetSecretValue failed (AccessDeniedException, HTTP 400)',
    );
    expect((error as Error).cause).toBeUndefined();
    const everything = `${(error as Error).stack} ${JSON.stringify(error)}`;
    expect(everything).not.toContain(SECRET_KEY);
    expect(everything).not.toContain('arn:aws:iam');
  });

  it('is configured from secrets.aws, with credentials from the environment', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', ACCESS_KEY);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', SECRET_KEY);
    aws.secrets.set('svc/openai', 'sk-from-aws-123');
    const store = new SecretStore(
      secretsConfig({ aws: { region: 'us-east-1', prefix: 'svc/', endpoint: aws.url } }),
      { environment: 'production' },
    );
    closers.push(() => store.close());
    expect(store.providers).toEqual(['aws secrets manager us-east-1 svc/']);
    expect(await store.resolve(`\${secret:openai}`)).toBe('sk-from-aws-123');
    await expect(store.get('absent')).rejects.toBeInstanceOf(SecretNotFoundError);
    expect(aws.requests.map((r) => JSON.parse(r.body).SecretId)).toEqual([
      'svc/openai',
      'svc/absent',
    ]);
    expect(aws.requests[0]?.headers.authorization).toContain(`Credential=${ACCESS_KEY}/`);
  });
});
