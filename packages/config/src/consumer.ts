import type { Registry } from 'prom-client';
import { ConsumerMetrics } from './consumer-metrics.js';
import { ConfigRegistryError } from './errors.js';
import { checkConfigName, checkInstanceId } from './transport/names.js';
import type { ConfigTransport, Unsubscribe } from './transport/transport.js';
import type { Ack, AckResult, ApplyMessage, ConfigName, ConfigVersion } from './types.js';

/** The few logger methods the consumer uses (the kit's pino logger has them). */
export interface ConsumerLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface ConfigConsumerOptions<T> {
  readonly transport: ConfigTransport;
  readonly config: ConfigName;
  /** This instance's id: apply messages name the instances that must apply them. */
  readonly instance: string;
  /** Where the registry reads this instance's health during a stage's bake (sent in Presence). */
  readonly healthUrl?: string;
  /**
   * Checks a published document against its schema (`version.schemaVersion`) and returns the
   * value to run, `${secret:name}` references still references: the core's validateDocument
   * with the schema entry of the version. Throws (ConfigRegistryError CONFIG_INVALID,
   * CONFIG_LITERAL_SECRET, CONFIG_UNKNOWN_SCHEMA, naming the path) to refuse it.
   */
  readonly validate: (
    document: Readonly<Record<string, unknown>>,
    version: ConfigVersion,
  ) => T | Promise<T>;
  /**
   * Resolves the `${secret:name}` references of a validated value through the service's secret
   * providers (the core's secrets-at-apply); throws CONFIG_SECRET_UNRESOLVED to refuse.
   * Default: the value as validated.
   */
  readonly resolveSecrets?: (value: T, version: ConfigVersion) => T | Promise<T>;
  /**
   * The keys (JSON pointers) whose change from the running value to the next needs a restart
   * (the schema's `x-restart` keys that differ). Compared on validated values, before secrets
   * are resolved. Default: none, every change is applied live.
   */
  readonly restartKeysChanged?: (running: T, next: T, version: ConfigVersion) => readonly string[];
  /**
   * Puts a value into effect. current() turns to the new version only after it resolved; a
   * throw keeps the running version and refuses the new one (its message, one line, is the
   * reason the registry sees).
   */
  readonly apply: (value: T, version: ConfigVersion) => void | Promise<void>;
  /**
   * Called when a version changes a restart key, after the `restarting` ack was sent, outside
   * the transport's handler (so it may close the transport): drain and exit, to be started again
   * on that version (restartThroughShutdown does it through the kit's shutdown sequence).
   */
  readonly restart: (version: ConfigVersion) => void | Promise<void>;
  /** The value the instance runs before any registry version (its files and environment). */
  readonly initial?: T;
  /** Where config_update_apply_total and config_version are registered (the service's). */
  readonly metrics?: Registry;
  readonly logger?: ConsumerLogger;
  /** Attempts to send an ack or presence while the transport fails. Default 5 (about 4 s). */
  readonly sendAttempts?: number;
}

/** What the instance runs: version 0 is its files and environment, before any registry version. */
export interface RunningConfig<T> {
  readonly version: number;
  readonly value: T;
}

export type ConsumerState = 'created' | 'starting' | 'running' | 'restarting' | 'stopped';

/** The consumer's part of /health (see addConfigHealthReport). */
export interface ConsumerHealth {
  readonly config: ConfigName;
  readonly instance: string;
  readonly version: number;
  readonly state: ConsumerState;
  /** The version a restart is running for. */
  readonly restartingTo?: number;
  /** The last version refused, and why. */
  readonly lastRefused?: { readonly version: number; readonly reason: string };
}

interface Running<T> {
  readonly version: number;
  /** As validate returned it (references unresolved): what restart keys are compared on. */
  readonly validated: T | undefined;
  /** As apply received it. */
  readonly value: T;
}

const NO_RESTART_KEYS = () => [] as const;

/**
 * Runs one config in a service: receives the registry's ApplyMessages naming this instance,
 * validates each version, resolves its secrets and applies it atomically, and acknowledges the
 * outcome. Every message is handled to the end before the next (the transport delivers them one
 * at a time), so apply never runs twice at once.
 *
 * - A version it already runs: nothing is applied again, but the ack is sent again (the
 *   registry may have missed it; a revert to the running version is acknowledged this way).
 * - Validation or secret resolution fails: `refused`, naming the path; nothing changes.
 * - A restart key changed (while running): `restarting`, then restart() outside the handler.
 *   At start (start() applies the latest version the registry sent) nothing is restarted: the
 *   service is not serving yet, so it takes the whole value. After a restart, the latest message
 *   is delivered again and acknowledged `applied`: the registry's sign that the restart worked.
 * - apply() resolves: current() turns to the new version, then `applied` and a Presence.
 * - apply() throws: `refused` with its message; current() keeps the old version.
 */
export class ConfigConsumer<T> {
  readonly #options: ConfigConsumerOptions<T>;
  readonly #metrics: ConsumerMetrics | undefined;
  #running: Running<T> | undefined;
  #state: ConsumerState = 'created';
  #restartingTo: number | undefined;
  #lastRefused: { version: number; reason: string } | undefined;
  #unsubscribe: Unsubscribe | undefined;
  #stopped: Promise<void> | undefined;

  constructor(options: ConfigConsumerOptions<T>) {
    checkConfigName(options.config);
    checkInstanceId(options.instance);
    this.#options = options;
    this.#metrics = options.metrics ? new ConsumerMetrics(options.metrics) : undefined;
    if (options.initial !== undefined) {
      this.#running = { version: 0, validated: options.initial, value: options.initial };
    }
    this.#metrics?.runs(options.config, options.instance, 0);
  }

  get config(): ConfigName {
    return this.#options.config;
  }

  get instance(): string {
    return this.#options.instance;
  }

  get state(): ConsumerState {
    return this.#state;
  }

  /**
   * The version running and its value; version 0 with `initial` before any registry version.
   * Throws a TypeError when there is neither (no `initial`, and start() found no version).
   */
  current(): RunningConfig<T> {
    const running = this.#running;
    if (running === undefined) {
      throw new TypeError(`config ${this.#options.config} has no value yet: pass initial`);
    }
    return { version: running.version, value: running.value };
  }

  /** The version running (0 before any registry version). */
  get version(): number {
    return this.#running?.version ?? 0;
  }

  /**
   * Subscribes, applies the latest version the registry sent to this instance (if any), and
   * announces the running version (Presence). Resolves once that is done: make it a startup
   * step of the service, so it serves on the registry's version from its first request.
   */
  async start(): Promise<void> {
    if (this.#state !== 'created') throw new TypeError('a ConfigConsumer starts once');
    this.#state = 'starting';
    this.#unsubscribe = await this.#options.transport.onApply(this.#options.config, (message) =>
      this.#handle(message),
    );
    if (this.#state === 'starting') this.#state = 'running';
    await this.#announce();
  }

  /** Stops receiving; resolves once a message being handled is done. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      if (this.#state !== 'restarting') this.#state = 'stopped';
      await this.#unsubscribe?.();
    })();
    return this.#stopped;
  }

  health(): ConsumerHealth {
    return {
      config: this.#options.config,
      instance: this.#options.instance,
      version: this.version,
      state: this.#state,
      ...(this.#restartingTo === undefined ? {} : { restartingTo: this.#restartingTo }),
      ...(this.#lastRefused === undefined ? {} : { lastRefused: this.#lastRefused }),
    };
  }

  async #handle(message: ApplyMessage): Promise<void> {
    const { config, instance } = this.#options;
    if (message.version.config !== config || !message.instances.includes(instance)) return;
    if (this.#state === 'stopped') return;
    const target = message.version;
    if (this.#state === 'restarting') {
      // Going down already; the restarted process receives the latest message and answers it.
      if (target.version === this.#restartingTo) await this.#ack(message, 'restarting');
      return;
    }
    if (this.#running !== undefined && target.version === this.#running.version) {
      await this.#ack(message, 'applied');
      return;
    }
    let validated: T;
    let value: T;
    try {
      validated = await this.#options.validate(target.document, target);
      value = this.#options.resolveSecrets
        ? await this.#options.resolveSecrets(validated, target)
        : validated;
    } catch (error) {
      await this.#refuse(message, oneLine(error));
      return;
    }
    const running = this.#running;
    if (this.#state === 'running' && running?.validated !== undefined) {
      const changed = (this.#options.restartKeysChanged ?? NO_RESTART_KEYS)(
        running.validated,
        validated,
        target,
      );
      if (changed.length > 0) {
        await this.#restartFor(message, changed);
        return;
      }
    }
    try {
      await this.#options.apply(value, target);
    } catch (error) {
      await this.#refuse(message, `apply failed: ${oneLine(error)}`);
      return;
    }
    this.#running = { version: target.version, validated, value };
    this.#lastRefused = undefined;
    this.#metrics?.runs(config, instance, target.version);
    this.#metrics?.counted(config, 'applied');
    this.#options.logger?.info(
      { config, instance, version: target.version, rollout: message.rolloutId },
      `config ${config} version ${target.version} applied`,
    );
    await this.#ack(message, 'applied');
    if (this.#state === 'running') await this.#announce();
  }

  async #restartFor(message: ApplyMessage, keys: readonly string[]): Promise<void> {
    const { config, instance } = this.#options;
    const target = message.version;
    this.#state = 'restarting';
    this.#restartingTo = target.version;
    this.#metrics?.counted(config, 'restarting');
    const reason = `needs a restart: ${keys.join(', ')} changed`;
    this.#options.logger?.info(
      { config, instance, version: target.version, keys },
      `config ${config} version ${target.version} ${reason}; restarting`,
    );
    await this.#ack(message, 'restarting', reason);
    // Outside the transport's handler: restarting closes the transport, which waits for it.
    setImmediate(() => {
      Promise.resolve()
        .then(() => this.#options.restart(target))
        .catch((error: unknown) => {
          this.#options.logger?.error(
            { config, err: error },
            `config ${config}: restart for version ${target.version} failed`,
          );
        });
    });
  }

  async #refuse(message: ApplyMessage, reason: string): Promise<void> {
    const { config, instance } = this.#options;
    const version = message.version.version;
    this.#lastRefused = { version, reason };
    this.#metrics?.counted(config, 'refused');
    this.#options.logger?.warn(
      { config, instance, version, rollout: message.rolloutId, reason },
      `config ${config} version ${version} refused: ${reason}`,
    );
    await this.#ack(message, 'refused', reason);
  }

  #ack(message: ApplyMessage, result: AckResult, reason?: string): Promise<void> {
    const ack: Ack = {
      rolloutId: message.rolloutId,
      config: this.#options.config,
      instance: this.#options.instance,
      version: message.version.version,
      result,
      ...(reason === undefined ? {} : { reason }),
      at: new Date().toISOString(),
    };
    return this.#send(`ack ${result} of version ${ack.version}`, () =>
      this.#options.transport.sendAck(ack),
    );
  }

  #announce(): Promise<void> {
    const { config, instance, healthUrl } = this.#options;
    const presence = {
      config,
      instance,
      version: this.version,
      ...(healthUrl === undefined ? {} : { healthUrl }),
      at: new Date().toISOString(),
    };
    return this.#send('presence', () => this.#options.transport.sendPresence(presence));
  }

  /**
   * Sends, retrying with backoff while the transport fails. A message that still cannot be sent
   * is logged: the registry then times out waiting for it and reverts, which is safe.
   */
  async #send(what: string, send: () => Promise<void>): Promise<void> {
    const attempts = this.#options.sendAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        await send();
        return;
      } catch (error) {
        if (attempt >= attempts || this.#state === 'stopped') {
          this.#options.logger?.error(
            { config: this.#options.config, err: error },
            `config ${this.#options.config}: could not send ${what}`,
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** (attempt - 1)));
      }
    }
  }
}

/**
 * An error as one line for an ack's reason: its message, without newlines, at most 300
 * characters, naming the path of a ConfigRegistryError when its message does not already.
 */
function oneLine(error: unknown): string {
  let text = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
  if (error instanceof ConfigRegistryError && error.path && !text.includes(error.path)) {
    text = `${error.path}: ${text}`;
  }
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}
