import type { ServiceConfig } from '../config.js';
import { BulwarkError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { configuredProviders } from './configured-providers.js';
import { rememberSecretValue, scrubKnownSecretValues } from './known-secret-values.js';
import {
  errorKind,
  SecretNotFoundError,
  SecretProviderError,
  SecretReferenceError,
  SecretStoreClosedError,
} from './secret-errors.js';
import type { SecretProvider } from './secret-provider.js';
import {
  type ParsedSecretReference,
  parseSecretName,
  parseSecretReference,
  secretLabel,
} from './secret-reference.js';

export type RotationCallback = (value: string) => void | Promise<void>;

export interface SecretStoreOptions {
  environment: ServiceConfig['environment'];
  /** Where failed re-reads and failing rotation callbacks are reported, never with a value. */
  logger?: Pick<Logger, 'warn'>;
  /** What the env provider reads (and whose NODE_ENV it checks); process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Ask these instead of the providers the config names: one of your own, or a test's. */
  providers?: readonly SecretProvider[];
}

/**
 * With cacheTtlMs 0 (no caching) watched secrets are still re-read, once a second; and no
 * TTL, however small, makes the store poll a provider more often than this.
 */
const UNCACHED_POLL_MS = 1_000;
const MIN_POLL_MS = 50;
/** The same text as logging/redact.ts's REDACTED (not imported: that module will import ours). */
const REDACTED = '[REDACTED]';
const REFERENCE_PREFIX = '${secret:';

/** One secret (or one field of it): its last value, the read under way, who watches it. */
interface Entry {
  readonly reference: ParsedSecretReference;
  readonly label: string;
  value: string | undefined;
  readAt: number;
  reading: Promise<string> | undefined;
  readonly callbacks: Set<RotationCallback>;
}

/**
 * Resolves `${secret:name}` references through providers asked in order (directory, Vault, AWS,
 * env). A value is cached for cacheTtlMs; concurrent reads of one secret share one provider
 * read. While a secret has rotation callbacks it is re-read every cacheTtlMs by the store's
 * one timer (unref'd, so it never holds the process open), and a read that finds a new value,
 * the timer's or a get's, fires the callbacks once. When a provider cannot be reached, the
 * last value read stays in use (and the failure is logged); a secret never read is an error.
 *
 * Values never appear in an error, a log line or a cause (secret-errors.ts), and each value
 * handed out is remembered so the log scrubber can redact an accidental quote of it.
 */
export class SecretStore {
  readonly #providers: readonly SecretProvider[];
  readonly #ttlMs: number;
  readonly #pollMs: number;
  readonly #logger: Pick<Logger, 'warn'> | undefined;
  readonly #entries = new Map<string, Entry>();
  /** Entries with at least one rotation callback: what the timer re-reads. */
  readonly #watched = new Set<Entry>();
  #timer: NodeJS.Timeout | undefined;
  #polling = false;
  #closed = false;

  constructor(config: ServiceConfig['secrets'], options: SecretStoreOptions) {
    this.#providers = options.providers ?? configuredProviders(config, options);
    this.#ttlMs = config.cacheTtlMs;
    this.#pollMs =
      config.cacheTtlMs === 0 ? UNCACHED_POLL_MS : Math.max(config.cacheTtlMs, MIN_POLL_MS);
    this.#logger = options.logger;
  }

  /** The providers asked, in order, by name. */
  get providers(): readonly string[] {
    return this.#providers.map((provider) => provider.name);
  }

  /** The value of `${secret:name}`, `${secret:name#field}`, or a bare `name` / `name#field`. */
  async get(reference: string): Promise<string> {
    if (this.#closed) throw new SecretStoreClosedError();
    const entry = this.#entryOf(reference);
    const known = entry.value;
    if (known === undefined) return this.#read(entry);
    if (performance.now() - entry.readAt < this.#ttlMs) return known;
    try {
      return await this.#read(entry);
    } catch (error) {
      // An unreachable provider (Vault restarting, an AWS blip) must not take down a service
      // holding a value it read before: it keeps that value, as a failed re-read by the timer
      // does. A secret found gone or malformed is not that case, and throws.
      if (!(error instanceof SecretProviderError)) throw error;
      this.#readFailed(entry, error);
      return entry.value ?? known;
    }
  }

  /**
   * A config value: a secret reference resolves to the secret, anything else is returned as is,
   * except text that starts like a reference and is not a valid one (`${secret:a/../b}`): that
   * is refused rather than passed on as if it were the value.
   */
  async resolve(value: string): Promise<string> {
    if (parseSecretReference(value) !== undefined) return this.get(value);
    if (value.startsWith(REFERENCE_PREFIX)) throw notAReference();
    return value;
  }

  /**
   * Calls back with the new value whenever a read finds the secret changed, until the returned
   * function is called. The value known when the callback is registered (read now if none is)
   * is the baseline: the callback is for changes, not the first value.
   */
  onRotation(reference: string, callback: RotationCallback): () => void {
    const entry = this.#entryOf(reference);
    if (this.#closed) return () => undefined;
    entry.callbacks.add(callback);
    this.#watched.add(entry);
    if (entry.value === undefined && entry.reading === undefined) {
      this.#read(entry).catch((error: unknown) => this.#readFailed(entry, error));
    }
    this.#startPolling();
    return () => {
      entry.callbacks.delete(callback);
      if (entry.callbacks.size > 0) return;
      this.#watched.delete(entry);
      if (this.#watched.size === 0) this.#stopPolling();
    };
  }

  /** Stops the timer, forgets every value and closes the providers' connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopPolling();
    this.#watched.clear();
    this.#entries.clear();
    await Promise.allSettled(this.#providers.map((provider) => provider.close?.()));
  }

  #entryOf(reference: string): Entry {
    const parsed = parseSecretName(reference);
    if (parsed === undefined) throw notAReference();
    const label = secretLabel(parsed);
    let entry = this.#entries.get(label);
    if (entry === undefined) {
      entry = {
        reference: parsed,
        label,
        value: undefined,
        readAt: 0,
        reading: undefined,
        callbacks: new Set(),
      };
      if (!this.#closed) this.#entries.set(label, entry);
    }
    return entry;
  }

  /** One provider read per entry at a time: whoever asks while it runs shares its answer. */
  #read(entry: Entry): Promise<string> {
    entry.reading ??= this.#ask(entry).then(
      (value) => {
        entry.reading = undefined;
        this.#settle(entry, value);
        return value;
      },
      (error: unknown) => {
        entry.reading = undefined;
        throw error;
      },
    );
    return entry.reading;
  }

  async #ask(entry: Entry): Promise<string> {
    const { name, field } = entry.reference;
    for (const provider of this.#providers) {
      let value: string | undefined;
      try {
        value = await provider.read(name, field);
      } catch (error) {
        // Our providers throw our typed, value-free errors; anything else is a provider of
        // the caller's, whose error could quote anything: only its kind is kept.
        if (error instanceof BulwarkError) throw error;
        throw new SecretProviderError(provider.name, entry.label, errorKind(error));
      }
      if (value !== undefined) return value;
    }
    throw new SecretNotFoundError(entry.label, this.providers);
  }

  #settle(entry: Entry, value: string): void {
    rememberSecretValue(value);
    if (this.#closed) return;
    const previous = entry.value;
    entry.value = value;
    entry.readAt = performance.now();
    if (previous === undefined || previous === value) return;
    // A copy: a callback that unsubscribes (or subscribes) must not change this round.
    for (const callback of [...entry.callbacks]) this.#call(entry, callback, value);
  }

  #call(entry: Entry, callback: RotationCallback, value: string): void {
    try {
      const outcome = callback(value);
      if (outcome instanceof Promise) {
        outcome.catch((error: unknown) => this.#callbackFailed(entry, error, value));
      }
    } catch (error) {
      this.#callbackFailed(entry, error, value);
    }
  }

  #startPolling(): void {
    if (this.#timer !== undefined || this.#polling || this.#closed || this.#watched.size === 0) {
      return;
    }
    this.#timer = setTimeout(() => void this.#poll(), this.#pollMs);
    this.#timer.unref();
  }

  #stopPolling(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** One round: every watched secret re-read (past the cache), then the next round scheduled. */
  async #poll(): Promise<void> {
    this.#timer = undefined;
    this.#polling = true;
    try {
      await Promise.all(
        [...this.#watched].map((entry) =>
          this.#read(entry).catch((error: unknown) => this.#readFailed(entry, error)),
        ),
      );
    } finally {
      this.#polling = false;
    }
    this.#startPolling();
  }

  #readFailed(entry: Entry, error: unknown): void {
    const outcome =
      entry.value === undefined
        ? 'its rotation callbacks wait for a first value'
        : 'the last value stays in use';
    this.#logger?.warn(
      { secretName: entry.label, err: valueFree(error) },
      `secret "${entry.label}" could not be read; ${outcome}`,
    );
  }

  #callbackFailed(entry: Entry, error: unknown, value: string): void {
    this.#logger?.warn(
      { secretName: entry.label, err: valueFree(error, value) },
      `a rotation callback for secret "${entry.label}" failed; the other callbacks still ran`,
    );
  }
}

/** The text is not quoted: what is not a reference may be the literal secret it should name. */
function notAReference(): SecretReferenceError {
  return new SecretReferenceError(
    `not a secret reference: expected \${secret:name}, \${secret:name#field} or a bare name ` +
      '(segments of letters, digits, ".", "_" and "-" separated by "/")',
  );
}

/**
 * An error fit for a log line: a rotation callback's own error may quote the value it was
 * given (a driver's "authentication failed for password …"), so that value and every known one
 * are cut out of its message and stack here, whether or not the logger's scrubber knows them,
 * and no cause is kept.
 */
function valueFree(error: unknown, value?: string): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  const scrub = (text: string) => {
    const known = scrubKnownSecretValues(text, REDACTED);
    return value ? known.replaceAll(value, REDACTED) : known;
  };
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    ...(typeof code === 'string' ? { code } : {}),
    message: scrub(error.message),
    ...(error.stack === undefined ? {} : { stack: scrub(error.stack) }),
  };
}
