import { randomUUID } from 'node:crypto';
import { ConfigRegistryError } from '../errors.js';
import { checkConfigName } from '../transport/names.js';
import type { ConfigTransport, Delivery, Unsubscribe } from '../transport/transport.js';
import type { Ack, ConfigVersion, Presence } from '../types.js';
import { applyMessageOf, noRegistryVersion, versionToSend } from './apply-message.js';
import {
  downPastAcksCause,
  downPastBakeCause,
  healthCause,
  missingCause,
  movedOff,
  movedOffCause,
  refusedCause,
} from './causes.js';
import { type Clock, systemClock } from './clock.js';
import { type HealthCheck, httpHealthCheck } from './health.js';
import { HealthReadings } from './health-readings.js';
import {
  ENGINE_ACTOR,
  type RegistryEvent,
  type RolloutKind,
  type RolloutRecord,
} from './records.js';
import { recordAck, recordPresence } from './reports.js';
import { DEFAULT_STAGE_PLAN, planStages, type StageSize } from './stage-plan.js';
import { loadRolloutStatus, type RolloutStatus } from './status.js';
import type { RegistryStore, RolloutPatch } from './store.js';

/** A rollout's timing and stages when its request does not say. */
export interface RolloutSettings {
  readonly stages: readonly StageSize[];
  /** How long a promoted stage's instances must stay healthy before the next stage. */
  readonly bakeMs: number;
  /** How long a stage's instances have to acknowledge (and to come back, when restarting). */
  readonly ackTimeoutMs: number;
  /** How often health is read during a bake. */
  readonly healthIntervalMs: number;
}

export const DEFAULT_ROLLOUT_SETTINGS: RolloutSettings = {
  stages: DEFAULT_STAGE_PLAN,
  bakeMs: 30_000,
  ackTimeoutMs: 30_000,
  healthIntervalMs: 2_000,
};

/** The subset of a pino logger the engine writes to. */
export interface EngineLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

const silentLogger: EngineLogger = { info() {}, warn() {}, error() {} };

export interface RolloutEngineOptions {
  readonly store: RegistryStore;
  readonly transport: ConfigTransport;
  /** Default: the system clock. Tests pass a clock they move by hand. */
  readonly clock?: Clock;
  /** How instance health is read during a bake. Default: GET → 200 within 2 s. */
  readonly health?: HealthCheck;
  readonly defaults?: Partial<RolloutSettings>;
  /**
   * Write every publish to the consumers, acknowledgement, promotion and revert to the ledger
   * outbox (store.pendingEvents), in the transaction of the change. Default false: no ledger.
   */
  readonly recordEvents?: boolean;
  /** How soon a publish the transport refused (or a failed step) is tried again. Default 1 s. */
  readonly retryMs?: number;
  readonly logger?: EngineLogger;
  /** Called after every change of a rollout or an instance (for /health and metrics). */
  readonly onChange?: () => void;
}

/** What starts a rollout. */
export interface StartRolloutRequest {
  readonly config: string;
  readonly version: number;
  /** `revert`: back to an earlier version, as an operator's decision (POST …/revert). */
  readonly kind?: RolloutKind;
  readonly stages?: readonly StageSize[];
  readonly bakeMs?: number;
  readonly ackTimeoutMs?: number;
  readonly healthIntervalMs?: number;
  /** Who asked (recorded with the rollout). */
  readonly startedBy: string;
  readonly reason?: string;
  /**
   * Called with the new rollout before it is committed; throwing refuses it and nothing is
   * started (the service records the start in the ledger here, failing closed).
   */
  readonly beforeCommit?: (rollout: RolloutRecord) => Promise<void>;
}

/**
 * Rolls a published version out to a config's instances, stage by stage, and reverts it when
 * a stage fails. For each stage it publishes an ApplyMessage to that stage's instances and waits
 * for each to acknowledge: `applied`, or `restarting` followed by a Presence at the new version.
 * Then it reads their health (and that of every earlier stage) for the bake time; all green to
 * the end promotes the stage. A refusal, an acknowledgement missing at the deadline, an instance
 * that moves off the new version, or one red health reading reverts: every instance that was
 * sent the new version is sent the old one (reason `revert`), and its acknowledgement awaited
 * until the same timeout, after which the rollout is `reverted` with its cause; later stages
 * never see the new version.
 *
 * Every transition is stored before its message goes out (a message is sent again rather than
 * lost: consumers are idempotent). A registry that restarts (start()) resumes its running
 * rollouts from the store: it sends the current message again, restarts a bake it did not watch
 * to the end, and reverts a stage whose deadline passed while it was down. Everything runs one
 * step at a time on one queue: acknowledgements, presence, timers and requests never interleave.
 */
export class RolloutEngine {
  readonly #store: RegistryStore;
  readonly #transport: ConfigTransport;
  readonly #clock: Clock;
  readonly #readings: HealthReadings;
  readonly #settings: RolloutSettings;
  readonly #recordEvents: boolean;
  readonly #retryMs: number;
  readonly #logger: EngineLogger;
  readonly #onChange: () => void;
  readonly #timers = new Map<string, () => void>();
  readonly #feeds: Unsubscribe[] = [];
  #queue: Promise<unknown> = Promise.resolve();
  #started = false;
  #closed = false;

  constructor(options: RolloutEngineOptions) {
    this.#store = options.store;
    this.#transport = options.transport;
    this.#clock = options.clock ?? systemClock;
    this.#readings = new HealthReadings(options.health ?? httpHealthCheck());
    this.#settings = { ...DEFAULT_ROLLOUT_SETTINGS, ...options.defaults };
    this.#recordEvents = options.recordEvents ?? false;
    this.#retryMs = options.retryMs ?? 1_000;
    this.#logger = options.logger ?? silentLogger;
    this.#onChange = options.onChange ?? (() => undefined);
  }

  /** The transport's kind (`nats`, `postgres`), for status and /health. */
  get transportKind(): string {
    return this.#transport.kind;
  }

  get settings(): RolloutSettings {
    return this.#settings;
  }

  /**
   * Resumes (or reverts) the rollouts a previous registry process left running, then subscribes
   * to presence and acknowledgements from where this registry's store says it stopped. In that
   * order: what arrived while the registry was down must not move a rollout before the decision
   * about its downtime is made (a bake nobody watched is not promoted by a late presence).
   */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.#enqueue(() => this.#resumeAll());
    const presenceAfter = await this.#store.feedPosition('presence');
    this.#feeds.push(
      await this.#transport.onPresence(
        (presence, delivery) => this.#enqueue(() => this.#onPresence(presence, delivery)),
        presenceAfter === undefined ? {} : { afterSeq: presenceAfter },
      ),
    );
    // Without a stored position, from the start of what the transport keeps: acknowledgements
    // sent while a new registry had not subscribed yet are not lost (replaying old ones changes
    // nothing: they name rollouts that are over, and reports older than the stored ones are kept
    // out by their time).
    const acksAfter = (await this.#store.feedPosition('acks')) ?? 0;
    this.#feeds.push(
      await this.#transport.onAck(
        (ack, delivery) => this.#enqueue(() => this.#onAck(ack, delivery)),
        { afterSeq: acksAfter },
      ),
    );
  }

  /** Stops the feeds and timers (the transport and store stay open: their owner closes them). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const cancel of this.#timers.values()) cancel();
    this.#timers.clear();
    await Promise.allSettled(this.#feeds.map((stop) => stop()));
    await this.settled();
  }

  /** Resolves once no step is queued or running (tests wait on it after moving the clock). */
  async settled(): Promise<void> {
    let seen: Promise<unknown>;
    do {
      seen = this.#queue;
      await seen;
    } while (seen !== this.#queue);
  }

  /**
   * Starts a rollout of `version` over the instances known now, or throws ConfigRegistryError:
   * CONFIG_ROLLOUT_CONFLICT (one runs already), CONFIG_NOT_FOUND (no such version),
   * CONFIG_ROLLOUT_INVALID (nothing to roll out, no instance, a bad plan), CONFIG_BAD_NAME.
   * Resolves once the rollout is stored and its first stage's message was handed to the
   * transport (or queued to be sent again, when the transport refused it).
   */
  startRollout(request: StartRolloutRequest): Promise<RolloutStatus> {
    return this.#enqueue(async () => {
      this.#checkOpen();
      const config = checkConfigName(request.config);
      const running = await this.#store.activeRollout(config);
      if (running !== undefined) {
        throw new ConfigRegistryError(
          'CONFIG_ROLLOUT_CONFLICT',
          `config ${config} has a rollout ${running.state} (${running.id}, v${running.fromVersion} → v${running.toVersion}): one at a time`,
        );
      }
      const target = await this.#store.version(config, request.version);
      if (target === undefined) {
        throw new ConfigRegistryError(
          'CONFIG_NOT_FOUND',
          `config ${config} has no version ${request.version}`,
        );
      }
      const from = await this.#store.currentVersion(config);
      const kind = request.kind ?? 'rollout';
      if (request.version === from) {
        throw invalid(`the instances of ${config} already run v${from}: nothing to roll out`);
      }
      if (kind === 'revert' && request.version > from) {
        throw invalid(
          `a revert goes back to a version earlier than the current v${from}; roll v${request.version} out instead`,
        );
      }
      const instances = await this.#store.instances(config);
      if (instances.length === 0) {
        throw invalid(
          `no instance of ${config} is known: consumers announce themselves (Presence) when they start`,
        );
      }
      const settings = this.#settingsFor(request);
      const stages = planStages(
        settings.stages,
        instances.map((i) => i.instance),
      );
      const now = this.#clock.now();
      const rollout = await this.#store.createRollout(
        {
          id: randomUUID(),
          config,
          kind,
          fromVersion: from,
          toVersion: request.version,
          state: 'running',
          stage: 0,
          phase: 'acks',
          stagePlan: settings.stages,
          stages,
          bakeMs: settings.bakeMs,
          ackTimeoutMs: settings.ackTimeoutMs,
          healthIntervalMs: settings.healthIntervalMs,
          deadline: now + settings.ackTimeoutMs,
          messageSentAt: null,
          startedAt: now,
          startedBy: request.startedBy,
          reason: request.reason ?? null,
        },
        request.beforeCommit,
      );
      this.#logger.info(
        { config, rollout: rollout.id, from, to: request.version, stages: stages.length },
        `config ${config}: rollout of v${request.version} started over ${instances.length} instance(s) in ${stages.length} stage(s)`,
      );
      this.#onChange();
      await this.#evaluate(rollout.id);
      return this.#status(rollout.id);
    });
  }

  /** A rollout's status, or CONFIG_NOT_FOUND. */
  status(id: string): Promise<RolloutStatus> {
    return this.#status(id);
  }

  // ---- feeds ------------------------------------------------------------------------------

  async #onAck(ack: Ack, delivery: Delivery): Promise<void> {
    const now = this.#clock.now();
    const recorded = await this.#store.transaction(async (tx) => {
      await tx.setFeedPosition('acks', delivery.seq);
      const result = await recordAck(tx, ack, now);
      if (result !== undefined) await this.#record(tx, now, [result.event]);
      return result;
    });
    this.#onChange();
    if (recorded !== undefined && isActive(recorded.rollout)) {
      await this.#evaluate(recorded.rollout.id);
    }
  }

  async #onPresence(presence: Presence, delivery: Delivery): Promise<void> {
    const now = this.#clock.now();
    const rollout = await this.#store.transaction(async (tx) => {
      await tx.setFeedPosition('presence', delivery.seq);
      return recordPresence(tx, presence, now);
    });
    this.#onChange();
    if (rollout !== undefined) await this.#evaluate(rollout.id);
  }

  // ---- the state machine ------------------------------------------------------------------

  /** One step of a rollout: publish what is unsent, then decide from its stored state. */
  async #evaluate(id: string): Promise<void> {
    if (this.#closed) return;
    const stored = await this.#store.rollout(id);
    if (stored === undefined) return;
    let rollout: RolloutRecord = stored;
    // A step may lead to another (promote → next stage's publish): follow until it rests.
    for (let step = 0; step < 100 && isActive(rollout); step++) {
      const next: RolloutRecord =
        rollout.state === 'running'
          ? await this.#stepRunning(rollout)
          : await this.#stepReverting(rollout);
      if (next === rollout) break;
      rollout = next;
    }
    this.#schedule(rollout);
  }

  async #stepRunning(rollout: RolloutRecord): Promise<RolloutRecord> {
    const now = this.#clock.now();
    const [targets, instances] = await Promise.all([
      this.#store.targets(rollout.id),
      this.#store.instances(rollout.config),
    ]);
    const reached = targets.filter((t) => t.stage <= rollout.stage);
    const current = reached.filter((t) => t.stage === rollout.stage);
    const refused = current.find((t) => t.ackResult === 'refused');
    if (refused !== undefined) return this.#revert(rollout, refusedCause(refused, rollout));
    const moved = movedOff(reached, instances, rollout.toVersion);
    if (moved !== undefined) return this.#revert(rollout, movedOffCause(moved, rollout));
    if (rollout.phase === 'acks') {
      const missing = current.filter((t) => t.confirmedAt === null);
      if (missing.length === 0) return this.#beginBake(rollout, now);
      if (rollout.deadline !== null && now >= rollout.deadline) {
        return this.#revert(rollout, missingCause(missing[0]!, rollout));
      }
      if (rollout.messageSentAt === null) return this.#publish(rollout);
      return rollout;
    }
    // The bake: every instance that has the new version, read at every interval and at the end.
    if (this.#readings.due(rollout, now)) {
      const red = await this.#readings.read(rollout, reached, instances, now);
      if (red !== undefined) return this.#revert(rollout, healthCause(red, rollout));
    }
    if (rollout.deadline !== null && this.#clock.now() >= rollout.deadline) {
      return this.#promote(rollout);
    }
    return rollout;
  }

  async #stepReverting(rollout: RolloutRecord): Promise<RolloutRecord> {
    if (rollout.messageSentAt === null) return this.#publish(rollout);
    const now = this.#clock.now();
    const targets = await this.#store.targets(rollout.id);
    const pending = targets.filter(
      (t) =>
        t.stage <= rollout.stage && t.revertConfirmedAt === null && t.revertResult !== 'refused',
    );
    if (pending.length > 0 && (rollout.deadline === null || now < rollout.deadline)) return rollout;
    const unconfirmed = targets
      .filter((t) => t.stage <= rollout.stage && t.revertConfirmedAt === null)
      .map((t) => t.instance);
    const finished = await this.#transition(
      rollout,
      { state: 'reverted', phase: 'done', deadline: null, finishedAt: now },
      [
        {
          kind: 'config.rollout.reverted',
          actor: ENGINE_ACTOR,
          payload: {
            rolloutId: rollout.id,
            config: rollout.config,
            version: rollout.fromVersion,
            cause: rollout.cause,
            unconfirmed,
          },
        },
      ],
    );
    const rest = unconfirmed.length === 0 ? '' : `; not confirmed by ${unconfirmed.join(', ')}`;
    this.#logger.warn(
      { config: rollout.config, rollout: rollout.id, unconfirmed },
      `config ${rollout.config}: rollout of v${rollout.toVersion} reverted to v${rollout.fromVersion} (${rollout.cause})${rest}`,
    );
    return finished;
  }

  #beginBake(rollout: RolloutRecord, now: number): Promise<RolloutRecord> {
    this.#readings.bakeStarts(rollout.id);
    return this.#transition(rollout, { phase: 'bake', deadline: now + rollout.bakeMs }, []);
  }

  async #promote(rollout: RolloutRecord): Promise<RolloutRecord> {
    const now = this.#clock.now();
    const last = rollout.stage + 1 >= rollout.stages.length;
    const promoted: RegistryEvent = {
      kind: 'config.rollout.promote',
      actor: ENGINE_ACTOR,
      payload: {
        rolloutId: rollout.id,
        config: rollout.config,
        stage: rollout.stage,
        version: rollout.toVersion,
        instances: rollout.stages[rollout.stage],
      },
    };
    this.#readings.bakeStarts(rollout.id);
    if (last) {
      this.#logger.info(
        { config: rollout.config, rollout: rollout.id },
        `config ${rollout.config}: v${rollout.toVersion} rolled out to every instance`,
      );
      return this.#transition(
        rollout,
        { state: 'completed', phase: 'done', deadline: null, finishedAt: now },
        [
          promoted,
          {
            kind: 'config.rollout.complete',
            actor: ENGINE_ACTOR,
            payload: { rolloutId: rollout.id, config: rollout.config, version: rollout.toVersion },
          },
        ],
      );
    }
    this.#logger.info(
      { config: rollout.config, rollout: rollout.id, stage: rollout.stage + 1 },
      `config ${rollout.config}: stage ${rollout.stage + 1} of ${rollout.stages.length} promoted`,
    );
    return this.#transition(
      rollout,
      {
        stage: rollout.stage + 1,
        phase: 'acks',
        deadline: now + rollout.ackTimeoutMs,
        messageSentAt: null,
      },
      [promoted],
    );
  }

  /** Stores the decision to revert; the revert's message is published by the next step. */
  #revert(rollout: RolloutRecord, cause: string): Promise<RolloutRecord> {
    this.#logger.warn(
      { config: rollout.config, rollout: rollout.id, stage: rollout.stage, cause },
      `config ${rollout.config}: reverting v${rollout.toVersion} to v${rollout.fromVersion}: ${cause}`,
    );
    return this.#transition(
      rollout,
      { state: 'reverting', phase: 'acks', deadline: null, messageSentAt: null, cause },
      [
        {
          kind: 'config.rollout.revert',
          actor: ENGINE_ACTOR,
          payload: {
            rolloutId: rollout.id,
            config: rollout.config,
            stage: rollout.stage,
            from: rollout.toVersion,
            to: rollout.fromVersion,
            cause,
          },
        },
      ],
    );
  }

  /**
   * Publishes the rollout's current message: the stage's new version, or the revert to every
   * instance the new version was sent to. A transport that refuses is tried again after
   * retryMs; a stage's deadline keeps running meanwhile, a revert's starts once it is sent.
   */
  async #publish(rollout: RolloutRecord): Promise<RolloutRecord> {
    const version = await this.#versionOf(rollout, versionToSend(rollout));
    const message = applyMessageOf(rollout, version);
    try {
      await this.#transport.publishApply(message);
    } catch (error) {
      this.#logger.warn(
        { err: error, config: rollout.config, rollout: rollout.id },
        `config ${rollout.config}: publishing v${version.version} to stage ${rollout.stage + 1} failed; trying again in ${this.#retryMs} ms`,
      );
      return rollout;
    }
    const now = this.#clock.now();
    return this.#transition(
      rollout,
      {
        messageSentAt: now,
        ...(message.reason === 'revert' ? { deadline: now + rollout.ackTimeoutMs } : {}),
      },
      [
        {
          kind: 'config.rollout.apply',
          actor: ENGINE_ACTOR,
          payload: {
            rolloutId: rollout.id,
            config: rollout.config,
            reason: message.reason,
            stage: rollout.stage,
            version: version.version,
            digest: version.digest,
            instances: message.instances,
          },
        },
      ],
    );
  }

  /** A stored version, or version 0 (no registry version) for a first rollout's revert. */
  async #versionOf(rollout: RolloutRecord, version: number): Promise<ConfigVersion> {
    if (version === 0) {
      const target = await this.#store.version(rollout.config, rollout.toVersion);
      return noRegistryVersion(rollout, target?.schemaVersion ?? 1);
    }
    const stored = await this.#store.version(rollout.config, version);
    if (stored === undefined) {
      throw new ConfigRegistryError(
        'CONFIG_NOT_FOUND',
        `config ${rollout.config} has no version ${version}`,
      );
    }
    return stored;
  }

  // ---- restart ----------------------------------------------------------------------------

  /**
   * Picks up the rollouts a previous registry process left running. A stage still waiting for
   * acknowledgements is published again, with the deadline it had; one whose deadline passed
   * while the registry was down is reverted (the registry cannot tell what happened meanwhile).
   * A bake is watched again from its start, or reverted when it should have ended meanwhile. A
   * revert is published again and given a fresh deadline.
   */
  async #resumeAll(): Promise<void> {
    for (const rollout of await this.#store.activeRollouts()) {
      try {
        await this.#resume(rollout);
      } catch (error) {
        this.#logger.error(
          { err: error, rollout: rollout.id },
          `config ${rollout.config}: resuming rollout failed; trying again in ${this.#retryMs} ms`,
        );
        this.#retryLater(rollout.id);
      }
    }
  }

  async #resume(rollout: RolloutRecord): Promise<void> {
    const now = this.#clock.now();
    let resumed = rollout;
    const pastDeadline = rollout.deadline !== null && now >= rollout.deadline;
    if (rollout.state === 'reverting') {
      resumed = await this.#transition(rollout, { messageSentAt: null, deadline: null }, []);
    } else if (rollout.phase === 'bake') {
      resumed = pastDeadline
        ? await this.#revert(rollout, downPastBakeCause(rollout))
        : await this.#transition(rollout, { deadline: now + rollout.bakeMs }, []);
    } else {
      const targets = await this.#store.targets(rollout.id);
      const missing = targets.filter((t) => t.stage === rollout.stage && t.confirmedAt === null);
      resumed =
        pastDeadline && missing.length > 0
          ? await this.#revert(rollout, downPastAcksCause(missing[0]!, rollout))
          : await this.#transition(rollout, { messageSentAt: null }, []);
    }
    this.#logger.info(
      { config: rollout.config, rollout: rollout.id, state: resumed.state },
      `config ${rollout.config}: resuming the rollout of v${rollout.toVersion} (${resumed.state}, stage ${resumed.stage + 1})`,
    );
    await this.#evaluate(resumed.id);
  }

  // ---- plumbing ---------------------------------------------------------------------------

  async #transition(
    rollout: RolloutRecord,
    patch: Omit<RolloutPatch, 'updatedAt'>,
    events: readonly RegistryEvent[],
  ): Promise<RolloutRecord> {
    const now = this.#clock.now();
    const updated = await this.#store.transaction(async (tx) => {
      const row = await tx.updateRollout(rollout.id, { ...patch, updatedAt: now });
      await this.#record(tx, now, events);
      return row;
    });
    this.#onChange();
    return updated;
  }

  async #record(tx: RegistryStore, now: number, events: readonly RegistryEvent[]): Promise<void> {
    if (this.#recordEvents) await tx.appendEvents(events, now);
  }

  /** Sets the rollout's one timer to its next moment: a deadline, a health reading, a retry. */
  #schedule(rollout: RolloutRecord): void {
    this.#timers.get(rollout.id)?.();
    this.#timers.delete(rollout.id);
    if (this.#closed || !isActive(rollout)) return;
    const now = this.#clock.now();
    const moments: number[] = [];
    if (rollout.messageSentAt === null) moments.push(now + this.#retryMs);
    if (rollout.deadline !== null) moments.push(rollout.deadline);
    if (rollout.state === 'running' && rollout.phase === 'bake') {
      moments.push(this.#readings.nextAt(rollout, now));
    }
    if (moments.length === 0) return;
    const at = Math.min(...moments);
    const cancel = this.#clock.setTimer(Math.max(0, at - now), () => {
      this.#timers.delete(rollout.id);
      this.#enqueue(() => this.#evaluate(rollout.id)).catch((error: unknown) => {
        this.#logger.error(
          { err: error, rollout: rollout.id },
          `config ${rollout.config}: a rollout step failed; trying again in ${this.#retryMs} ms`,
        );
        this.#retryLater(rollout.id);
      });
    });
    this.#timers.set(rollout.id, cancel);
  }

  #retryLater(id: string): void {
    if (this.#closed) return;
    this.#timers.get(id)?.();
    const cancel = this.#clock.setTimer(this.#retryMs, () => {
      this.#timers.delete(id);
      this.#enqueue(() => this.#evaluate(id)).catch(() => this.#retryLater(id));
    });
    this.#timers.set(id, cancel);
  }

  #status(id: string): Promise<RolloutStatus> {
    return loadRolloutStatus(this.#store, id, this.#readings.verdicts(id));
  }

  #settingsFor(request: StartRolloutRequest): RolloutSettings {
    const settings: RolloutSettings = {
      stages: request.stages ?? this.#settings.stages,
      bakeMs: request.bakeMs ?? this.#settings.bakeMs,
      ackTimeoutMs: request.ackTimeoutMs ?? this.#settings.ackTimeoutMs,
      healthIntervalMs: request.healthIntervalMs ?? this.#settings.healthIntervalMs,
    };
    const day = 86_400_000;
    if (!Number.isSafeInteger(settings.bakeMs) || settings.bakeMs < 0 || settings.bakeMs > day) {
      throw invalid('bakeMs must be a whole number of milliseconds from 0 to a day');
    }
    if (
      !Number.isSafeInteger(settings.ackTimeoutMs) ||
      settings.ackTimeoutMs < 1 ||
      settings.ackTimeoutMs > day
    ) {
      throw invalid('ackTimeoutMs must be a whole number of milliseconds from 1 to a day');
    }
    if (
      !Number.isSafeInteger(settings.healthIntervalMs) ||
      settings.healthIntervalMs < 1 ||
      settings.healthIntervalMs > day
    ) {
      throw invalid('healthIntervalMs must be a whole number of milliseconds from 1 to a day');
    }
    return settings;
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #checkOpen(): void {
    if (this.#closed) {
      throw new ConfigRegistryError('CONFIG_TRANSPORT_CLOSED', 'the rollout engine is closed');
    }
    if (!this.#started) {
      throw new ConfigRegistryError(
        'CONFIG_TRANSPORT_CLOSED',
        'the rollout engine has not started (start() subscribes to the transport first)',
      );
    }
  }
}

function isActive(rollout: RolloutRecord): boolean {
  return rollout.state === 'running' || rollout.state === 'reverting';
}

function invalid(message: string): ConfigRegistryError {
  return new ConfigRegistryError('CONFIG_ROLLOUT_INVALID', message);
}
