import { readFile } from 'node:fs/promises';
import type { Agent } from 'undici';
import type { ServiceConfig } from '../config.js';
import { undici } from '../http/undici-on-use.js';
import { errorKind, SecretFormatError, SecretProviderError } from './secret-errors.js';
import { fieldText } from './secret-fields.js';
import type { SecretProvider } from './secret-provider.js';

type VaultConfig = NonNullable<ServiceConfig['secrets']['vault']>;

/** Vault answers a KV read in milliseconds; past these, it is down, not slow. */
const CONNECT_TIMEOUT_MS = 5_000;
const ANSWER_TIMEOUT_MS = 10_000;
/** A KV v2 answer is a small JSON document; a huge one is not Vault. */
const MAX_ANSWER_BYTES = 1_048_576;
/** The field a reference without `#field` reads: `vault kv put secret/openai value=…`. */
const DEFAULT_FIELD = 'value';

/**
 * Vault's KV secrets engine, version 2, over its HTTP API: GET <url>/v1/<mount>/data/<name>,
 * which answers `{ data: { data: { …fields }, metadata: { version } } }`.
 *
 * The token is read from a file (Vault Agent's sink, a Kubernetes projected token), never from
 * config, and read again when Vault answers 403: the agent renews it by rewriting the file, and
 * the first request after that with the old token is how we learn. A 404 (no such secret, or
 * its latest version deleted) means "not here"; every other failure is a SecretProviderError
 * that names the secret and the status, never the token or the answer's body.
 */
export class VaultSecretProvider implements SecretProvider {
  readonly name: string;
  readonly #config: VaultConfig;
  readonly #base: string;
  readonly #agent: Agent;
  #token: Promise<string> | undefined;

  constructor(config: VaultConfig) {
    this.#config = config;
    this.#base = `${config.url.replace(/\/+$/, '')}/v1/${encodePath(config.mount)}/data/`;
    this.name = `vault ${config.url}`;
    this.#agent = new (undici().Agent)({
      connect: { timeout: CONNECT_TIMEOUT_MS },
      headersTimeout: ANSWER_TIMEOUT_MS,
      bodyTimeout: ANSWER_TIMEOUT_MS,
      maxResponseSize: MAX_ANSWER_BYTES,
    });
  }

  async read(name: string, field = DEFAULT_FIELD): Promise<string | undefined> {
    let answer = await this.#get(name, await this.#currentToken(name));
    if (answer.status === 403) {
      this.#token = undefined;
      answer = await this.#get(name, await this.#currentToken(name));
    }
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) {
      const problem =
        answer.status === 403
          ? 'permission denied (403), also with the token read again from its file'
          : `Vault answered ${answer.status}`;
      throw new SecretProviderError(this.name, name, problem);
    }
    const fields = this.#fieldsOf(name, answer.body);
    return fieldText(fields, field, { provider: this.name, secret: name });
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  /** The token, read once and kept until Vault refuses it. */
  #currentToken(secret: string): Promise<string> {
    if (this.#token !== undefined) return this.#token;
    const file = this.#config.tokenFile;
    const reading = readFile(file, 'utf8').then(
      (text) => {
        const token = text.trim();
        if (token === '') {
          throw new SecretProviderError(this.name, secret, `the token file ${file} is empty`);
        }
        return token;
      },
      (error: unknown) => {
        throw new SecretProviderError(
          this.name,
          secret,
          `the token file ${file} could not be read (${errorKind(error)})`,
        );
      },
    );
    // A failed read is not kept: the next read of a secret tries the file again.
    reading.catch(() => {
      if (this.#token === reading) this.#token = undefined;
    });
    this.#token = reading;
    return reading;
  }

  async #get(name: string, token: string): Promise<{ status: number; body: string }> {
    const headers: Record<string, string> = { 'x-vault-token': token, accept: 'application/json' };
    if (this.#config.namespace !== undefined) headers['x-vault-namespace'] = this.#config.namespace;
    try {
      const answer = await undici().request(this.#base + encodePath(name), {
        method: 'GET',
        headers,
        dispatcher: this.#agent,
      });
      if (answer.statusCode !== 200) {
        await answer.body.dump();
        return { status: answer.statusCode, body: '' };
      }
      return { status: 200, body: await answer.body.text() };
    } catch (error) {
      throw new SecretProviderError(this.name, name, `the request failed (${errorKind(error)})`);
    }
  }

  #fieldsOf(name: string, body: string): Record<string, unknown> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      // The parser's message quotes the body, which holds the secret: not kept.
      throw new SecretFormatError(this.name, name, 'came back as an answer that is not JSON');
    }
    const fields = (parsed as { data?: { data?: unknown } } | null)?.data?.data;
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
      throw new SecretFormatError(
        this.name,
        name,
        'came back without data.data: is the mount a KV version 2 engine?',
      );
    }
    return fields as Record<string, unknown>;
  }
}

/** Each segment percent-encoded; the slashes between them kept (nested names and mounts). */
function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}
