import type {
  GetSecretValueCommandOutput,
  SecretsManagerClient,
  SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import type { ServiceConfig } from '../config.js';
import { errorKind, SecretFormatError, SecretProviderError } from './secret-errors.js';
import { jsonField } from './secret-fields.js';
import type { SecretProvider } from './secret-provider.js';

type AwsConfig = NonNullable<ServiceConfig['secrets']['aws']>;

export interface AwsSecretsManagerProviderOptions extends AwsConfig {
  /**
   * Credentials for the client; by default the SDK's chain (env, the shared files, web
   * identity, the instance or task role). Contract tests pass fake ones here.
   */
  readonly credentials?: SecretsManagerClientConfig['credentials'];
}

const CONNECT_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * AWS Secrets Manager through the official SDK: GetSecretValue of `<prefix><name>`. The value
 * is the SecretString (or the SecretBinary read as UTF-8), and with a `#field`, that field of
 * the JSON object it holds (the console's key/value secrets). ResourceNotFoundException means
 * "not here"; every other failure is a SecretProviderError naming the secret and the AWS error
 * type only: an SDK error carries the raw response, which is never kept.
 *
 * The SDK is imported on the first read: it is large, and most services never configure AWS.
 */
export class AwsSecretsManagerProvider implements SecretProvider {
  readonly name: string;
  readonly #options: AwsSecretsManagerProviderOptions;
  #client: SecretsManagerClient | undefined;

  constructor(options: AwsSecretsManagerProviderOptions) {
    this.#options = options;
    this.name = `aws secrets manager ${options.region}${options.prefix ? ` ${options.prefix}` : ''}`;
  }

  async read(name: string, field?: string): Promise<string | undefined> {
    const sdk = await import('@aws-sdk/client-secrets-manager');
    const client = this.#clientOf(sdk);
    const secretId = `${this.#options.prefix}${name}`;
    let answer: GetSecretValueCommandOutput;
    try {
      answer = await client.send(new sdk.GetSecretValueCommand({ SecretId: secretId }));
    } catch (error) {
      if (error instanceof sdk.ResourceNotFoundException) return undefined;
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
        ?.httpStatusCode;
      const kind = `${errorKind(error)}${status === undefined ? '' : `, HTTP ${status}`}`;
      throw new SecretProviderError(this.name, name, `GetSecretValue failed (${kind})`);
    }
    const text =
      answer.SecretString ??
      (answer.SecretBinary === undefined
        ? undefined
        : Buffer.from(answer.SecretBinary).toString('utf8'));
    if (text === undefined) {
      throw new SecretFormatError(this.name, name, 'has neither SecretString nor SecretBinary');
    }
    return field === undefined
      ? text
      : jsonField(text, field, { provider: this.name, secret: name });
  }

  async close(): Promise<void> {
    this.#client?.destroy();
    this.#client = undefined;
  }

  #clientOf(sdk: typeof import('@aws-sdk/client-secrets-manager')): SecretsManagerClient {
    if (this.#client === undefined) {
      const { region, endpoint, credentials } = this.#options;
      this.#client = new sdk.SecretsManagerClient({
        region,
        ...(endpoint === undefined ? {} : { endpoint }),
        ...(credentials === undefined ? {} : { credentials }),
        requestHandler: {
          connectionTimeout: CONNECT_TIMEOUT_MS,
          requestTimeout: REQUEST_TIMEOUT_MS,
        },
      });
    }
    return this.#client;
  }
}
