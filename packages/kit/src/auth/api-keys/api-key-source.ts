import type { Logger } from 'pino';
import { readConfigFile } from '../../config-file.js';
import { ConfigError } from '../../errors.js';
import type { HealthReport } from '../../probes/types.js';
import { parseSecretReference } from '../../secrets/secret-reference.js';
import { parseApiKeyDocument } from './api-key-document.js';
import { ApiKeySet } from './api-key-set.js';

export interface ApiKeySourceOptions {
  /** A file path, or a `${secret:…}` reference whose value is the document. */
  readonly source: string;
  /** Read again this often; 0 reads once. */
  readonly reloadIntervalMs: number;
  readonly secrets: { get(reference: string): Promise<string> };
  readonly logger: Logger;
}

/**
 * The current API key set, from a file or a secret, re-read on an interval so a rotated or
 * revoked key takes effect without a restart. A re-read that fails keeps the set in force (a
 * half-written or mistyped file must not lock every caller out) and logs a warning.
 */
export class ApiKeySource {
  readonly #options: ApiKeySourceOptions;
  readonly #origin: string;
  #keys: ApiKeySet | undefined;
  #text: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #reloading = false;
  #loadedAt: string | undefined;
  #lastError: string | undefined;

  constructor(options: ApiKeySourceOptions) {
    this.#options = options;
    const reference = parseSecretReference(options.source);
    this.#origin = reference ? `secret ${reference.name}` : `file ${options.source}`;
  }

  /** The keys in force; undefined until the first load. */
  get keys(): ApiKeySet | undefined {
    return this.#keys;
  }

  /** The first load: a missing or bad document throws a ConfigError naming where it was. */
  async load(): Promise<void> {
    this.#apply(await this.#read());
  }

  /** Starts re-reading on the interval; the timer never keeps the process alive. */
  startReloading(): void {
    const interval = this.#options.reloadIntervalMs;
    if (interval === 0 || this.#timer !== undefined) return;
    this.#timer = setInterval(() => void this.reload(), interval);
    this.#timer.unref();
  }

  /** Reads the document again; true when it changed and the new set is in force. */
  async reload(): Promise<boolean> {
    if (this.#reloading) return false;
    this.#reloading = true;
    try {
      const text = await this.#read();
      if (text === this.#text) return false;
      this.#apply(text);
      this.#options.logger.info(
        { api_keys: this.#keys?.size, source: this.#origin },
        `API keys reloaded from ${this.#origin}`,
      );
      return true;
    } catch (error) {
      this.#lastError = (error as Error).message;
      this.#options.logger.warn(
        { source: this.#origin, error: this.#lastError },
        `API keys could not be reloaded from ${this.#origin}; the keys loaded before stay in force`,
      );
      return false;
    } finally {
      this.#reloading = false;
    }
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  health(): HealthReport {
    return {
      status: this.#keys === undefined ? 'fail' : this.#lastError === undefined ? 'pass' : 'warn',
      source: this.#origin,
      keys: this.#keys?.size ?? 0,
      ...(this.#loadedAt === undefined ? {} : { loadedAt: this.#loadedAt }),
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
    };
  }

  #apply(text: string): void {
    // Parsed before anything is replaced, so a bad document leaves the old set in force.
    const keys = new ApiKeySet(parseApiKeyDocument(text, this.#origin));
    this.#keys = keys;
    this.#text = text;
    this.#loadedAt = new Date().toISOString();
    this.#lastError = undefined;
  }

  async #read(): Promise<string> {
    const { source, secrets } = this.#options;
    if (parseSecretReference(source) !== undefined) {
      try {
        return await secrets.get(source);
      } catch (error) {
        throw new ConfigError(
          `API keys ${this.#origin} cannot be read: ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
    return readConfigFile(source, 'API keys file');
  }
}
