import { randomUUID } from 'node:crypto';
import { type RecordedServer, recordedServer, sendJson } from './recorded-server.js';

/**
 * AWS Secrets Manager's GetSecretValue as the AWS JSON 1.1 protocol carries it: POST / with
 * `X-Amz-Target: secretsmanager.GetSecretValue`, `Content-Type: application/x-amz-json-1.1`
 * and `{"SecretId": …}`; errors are a 400 whose body's `__type` names the exception
 * (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html).
 */
export interface FakeSecretsManager extends RecordedServer {
  /** SecretId → the secret; a Buffer is answered as SecretBinary. */
  readonly secrets: Map<string, string | Buffer>;
  /** When set, every request is answered with this AWS error type (400). */
  failWith: string | undefined;
}

const AMZ_JSON = 'application/x-amz-json-1.1';

export async function startFakeSecretsManager(): Promise<FakeSecretsManager> {
  const secrets = new Map<string, string | Buffer>();
  // The handler reads the returned object, so a test's `aws.failWith = …` takes effect.
  let state: FakeSecretsManager | undefined;
  const error = (res: Parameters<typeof sendJson>[0], type: string, message: string) =>
    sendJson(
      res,
      400,
      { __type: type, message },
      { 'content-type': AMZ_JSON, 'x-amzn-requestid': randomUUID() },
    );
  const server = await recordedServer((request, res) => {
    if (state === undefined) return;
    if (request.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
      error(res, 'UnknownOperationException', 'unknown operation');
      return;
    }
    if (state.failWith !== undefined) {
      error(res, state.failWith, 'User: arn:aws:iam::123456789012:user/test is not authorized');
      return;
    }
    const { SecretId } = JSON.parse(request.body) as { SecretId: string };
    const secret = secrets.get(SecretId);
    if (secret === undefined) {
      error(res, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      return;
    }
    sendJson(
      res,
      200,
      {
        ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${SecretId}-AbCdEf`,
        Name: SecretId,
        VersionId: randomUUID(),
        ...(typeof secret === 'string'
          ? { SecretString: secret }
          : { SecretBinary: secret.toString('base64') }),
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 1_700_000_000.123,
      },
      { 'content-type': AMZ_JSON, 'x-amzn-requestid': randomUUID() },
    );
  });
  state = Object.assign(server, { secrets, failWith: undefined as string | undefined });
  return state;
}
