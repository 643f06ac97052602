import { randomUUID } from 'node:crypto';
import type { Verifier } from '@bulwark/keys';
import {
  type InstalledBundleTrust,
  type OpenedBundle,
  openBundle,
  reopenInstalledBundle,
} from './bundle/signed-bundle.js';
import type { Decision, DecisionRecorder, GateRecord } from './decisions/types.js';
import {
  BundleRefusedError,
  GateError,
  GateStateError,
  OutboxFullError,
  TransitionRejectedError,
} from './errors.js';
import type {
  CompiledPolicy,
  DecisionInput,
  EgressDestination,
  EgressVerdict,
} from './policy/types.js';
import {
  type GateState,
  gateStatePath,
  loadGateState,
  pruneNonces,
  saveGateState,
  sweepStaleTempFiles,
} from './state/gate-state.js';
import {
  DEFAULT_CLOCK_SKEW_MS,
  DEFAULT_MAX_TRANSITION_VALIDITY_MS,
  verifyTransition,
} from './transitions/verify.js';

export interface ToolGateOptions {
  /** This gate's name: bundles and transitions for another gate are refused. */
  readonly gate: string;
  /** Where state.json lives (mode, counter, installed bundle, used nonces). */
  readonly stateDir: string;
  /** A bundle to install at start when it is newer than the installed one (or none is). */
  readonly initialBundle?: Uint8Array;
  /** Policy signing keys. */
  readonly policyKeys: Verifier;
  /** Production: refuse unsigned bundles (invalid signatures are refused everywhere). */
  readonly requireSignedBundles: boolean;
  /** Operator keys that sign mode transitions. */
  readonly operators: Verifier;
  /** Distinct operators a transition needs (m of n); at least 1. */
  readonly quorum: number;
  readonly recorder: DecisionRecorder;
  /** Who the gate's own records name (start-up install, blocked egress); "gate:<name>" by default. */
  readonly actor?: string;
  readonly now?: () => Date;
  readonly clockSkewMs?: number;
  readonly maxTransitionValidityMs?: number;
}

export interface GateStatus {
  readonly gate: string;
  readonly mode: string;
  readonly counter: number;
  readonly enteredAt: string;
  readonly policyVersion: number;
  readonly policyDigest: string;
  readonly policyExpiresAt: string;
  /** The installed policy is past its expiry: every decision and destination is denied. */
  readonly expired: boolean;
  readonly modes: readonly string[];
  readonly signedBy: readonly string[];
  readonly signed: boolean;
}

/**
 * Everything a decision reads, in one frozen object held in one field. A decision reads the
 * field once, so a mode switch or a bundle install (which replace the whole object) can never
 * be seen half done: no decision mixes two modes, policies or counters.
 */
interface ActivePolicy {
  readonly mode: string;
  readonly counter: number;
  readonly enteredAt: string;
  readonly policy: CompiledPolicy;
  readonly expiresAtMs: number;
  readonly signedBy: readonly string[];
  readonly signed: boolean;
}

/**
 * The tool gate: a signed policy, the mode it is in, and every decision recorded. Mode changes
 * need an m-of-n operator-signed transition; policy changes need a signed, newer bundle. Both
 * are persisted before they take effect and recorded in the ledger stream, in order with the
 * decisions around them.
 */
export class ToolGate {
  readonly #options: ToolGateOptions;
  readonly #now: () => Date;
  readonly #actor: string;
  readonly #listeners = new Set<(status: GateStatus) => void>();
  #active: ActivePolicy;
  /** The persisted image of the state; only changed inside #serialize. */
  #state: GateState;
  /** Transitions and installs run one at a time, in call order. */
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(options: ToolGateOptions, state: GateState, opened: OpenedBundle) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    this.#actor = options.actor ?? `gate:${options.gate}`;
    this.#state = state;
    this.#active = activePolicy(state, opened);
  }

  /**
   * Loads the state, re-checks the installed bundle, installs `initialBundle` when it is newer,
   * and starts in the persisted mode (or the policy's default mode, counter 0, on first start).
   * GateStateError when the state is corrupt, for another gate, or no policy is available.
   */
  static async open(options: ToolGateOptions): Promise<ToolGate> {
    if (!Number.isSafeInteger(options.quorum) || options.quorum < 1) {
      throw new GateError(
        'BW_GATE_CONFIG',
        500,
        `quorum must be a whole number of operators of at least 1, not ${options.quorum}.`,
      );
    }
    const now = (options.now ?? (() => new Date()))();
    const actor = options.actor ?? `gate:${options.gate}`;
    const path = gateStatePath(options.stateDir);
    await sweepStaleTempFiles(options.stateDir);
    const saved = await loadGateState(options.stateDir);
    if (saved && saved.gate !== options.gate) {
      throw new GateStateError(
        `gate state ${path} belongs to gate "${saved.gate}", not "${options.gate}".`,
      );
    }
    const trust: InstalledBundleTrust = {
      gate: options.gate,
      keyring: options.policyKeys,
      requireSignature: options.requireSignedBundles,
    };
    const installed = saved ? reopenSaved(saved, trust, path) : undefined;

    let state = saved;
    let opened = installed;
    if (options.initialBundle) {
      const candidate = openInitial(
        options.initialBundle,
        { ...trust, now, source: 'initial bundle' },
        installed,
      );
      if (candidate.kind === 'refused') {
        await options.recorder.record(refusedRecord(actor, candidate.error, installed));
        throw candidate.error;
      }
      if (candidate.kind === 'newer') {
        opened = candidate.opened;
        state = nextStateForBundle(
          saved,
          options.gate,
          candidate.opened,
          options.initialBundle,
          now,
        );
        await saveGateState(options.stateDir, state);
        await options.recorder.record(
          installedRecord(actor, candidate.opened, installed, state.mode),
        );
      }
    }
    if (!state || !opened) {
      throw new GateStateError(
        `no policy bundle is installed in ${path} and none was given to install.`,
      );
    }
    return new ToolGate(options, state, opened);
  }

  status(): GateStatus {
    return statusOf(this.#options.gate, this.#active, this.#now());
  }

  /** The installed policy, compiled (what GET /v1/gate/policy hands to services' mirrors). */
  get policy(): CompiledPolicy {
    return this.#active.policy;
  }

  /**
   * Decides under the active mode and policy. Pure and synchronous; records nothing. Built as
   * one object literal of a fixed shape: spreading a base object here cost more than the
   * policy lookup itself (bench:gate).
   */
  evaluate(input: DecisionInput): Decision {
    const active = this.#active; // read once: see ActivePolicy
    const nowMs = this.#now().getTime();
    const expired = nowMs >= active.expiresAtMs;
    const verdict = expired ? undefined : active.policy.evaluate(active.mode, input);
    return {
      id: decisionId(nowMs),
      allow: verdict?.allow ?? false,
      effect: verdict?.effect ?? 'deny',
      reason: verdict?.reason ?? expiredReason(active),
      ruleId: verdict?.ruleId,
      mode: active.mode,
      policyVersion: active.policy.document.version,
      policyDigest: active.policy.digest,
      counter: active.counter,
      time: isoTime(nowMs),
    };
  }

  /**
   * Evaluates and records the decision, resolving once the record is durable. A full outbox
   * turns the decision into a deny (effect `backpressure`) that is not recorded: there is no
   * room, and an unrecorded allow is exactly what the outbox exists to prevent.
   */
  async decide(input: DecisionInput): Promise<Decision> {
    const decision = this.evaluate(input);
    // record() is called in the same synchronous step as evaluate(), so the ledger orders this
    // decision after any transition whose record was written before the switch it made.
    const record: GateRecord = {
      kind: 'gate.decision',
      actor: input.subject,
      payload: {
        id: decision.id,
        tool: input.tool,
        action: input.action,
        ...(input.resource !== undefined ? { resource: input.resource } : {}),
        effect: decision.effect,
        allow: decision.allow,
        reason: decision.reason,
        ...(decision.ruleId !== undefined ? { ruleId: decision.ruleId } : {}),
        mode: decision.mode,
        policyVersion: decision.policyVersion,
        policyDigest: decision.policyDigest,
        counter: decision.counter,
        time: decision.time,
      },
    };
    try {
      await this.#options.recorder.record(record);
    } catch (error) {
      if (!(error instanceof OutboxFullError)) throw error;
      const { ruleId: _ruleId, ...rest } = decision;
      return {
        ...rest,
        allow: false,
        effect: 'backpressure',
        reason: `denied without a decision: the decision outbox is full (${this.#options.recorder.depth()} records wait for the ledger).`,
      };
    }
    return decision;
  }

  /** Whether the active mode allows this destination; everything is denied once the policy expired. */
  egress(destination: EgressDestination): EgressVerdict {
    const active = this.#active;
    if (this.#now().getTime() >= active.expiresAtMs) {
      return { allow: false, reason: expiredReason(active) };
    }
    return active.policy.egress(active.mode, destination);
  }

  /** Records a connection the egress guard (or another `layer`) refused. */
  async recordEgressBlocked(
    destination: EgressDestination,
    verdict: EgressVerdict,
    layer: string,
  ): Promise<void> {
    const active = this.#active;
    await this.#options.recorder.record({
      kind: 'gate.egress.blocked',
      actor: this.#actor,
      payload: {
        ...destination,
        layer,
        reason: verdict.reason,
        ...(verdict.ruleId !== undefined ? { ruleId: verdict.ruleId } : {}),
        mode: active.mode,
        policyVersion: active.policy.document.version,
        policyDigest: active.policy.digest,
        counter: active.counter,
        time: this.#now().toISOString(),
      },
    });
  }

  /**
   * Installs a newer signed bundle: refused ones are recorded (`gate.bundle.refused`) and
   * thrown as BundleRefusedError. An accepted one is persisted first, then recorded, then
   * swapped in; the mode is kept when the new policy has it, else its default mode.
   */
  installBundle(bytes: Uint8Array, actor: string): Promise<GateStatus> {
    return this.#serialize(async () => {
      const now = this.#now();
      const current = this.#active;
      let opened: OpenedBundle;
      try {
        opened = openBundle(bytes, {
          gate: this.#options.gate,
          keyring: this.#options.policyKeys,
          requireSignature: this.#options.requireSignedBundles,
          installed: { version: current.policy.document.version, digest: current.policy.digest },
          now,
        });
      } catch (error) {
        if (error instanceof BundleRefusedError) {
          // Should the refusal itself not be recordable (a full outbox), that error is thrown.
          await this.#options.recorder.record(refusedRecord(actor, error, current));
        }
        throw error;
      }
      const previous = this.#state;
      const state = nextStateForBundle(previous, this.#options.gate, opened, bytes, now);
      await saveGateState(this.#options.stateDir, state);
      try {
        await this.#options.recorder.record(installedRecord(actor, opened, current, state.mode));
      } catch (error) {
        // Unrecorded, so not installed: put the previous state back rather than run decisions
        // under a policy the ledger never heard of. If even that fails, memory follows the disk.
        const restored = await saveGateState(this.#options.stateDir, previous).then(
          () => true,
          () => false,
        );
        if (!restored) this.#swap(state, opened);
        throw error;
      }
      this.#swap(state, opened);
      return this.status();
    });
  }

  /**
   * Applies an operator-signed mode transition. A rejected one is recorded
   * (`gate.transition.rejected`, with its reason) and thrown as TransitionRejectedError. An
   * accepted one is recorded before the switch, so the ledger orders it before every decision
   * made in the new mode, then persisted (mode, counter, nonce), then switched.
   */
  applyTransition(document: unknown, actor: string): Promise<GateStatus> {
    return this.#serialize(async () => {
      const now = this.#now();
      const current = this.#active;
      const skew = this.#options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
      const nonces = this.#state.nonces;
      let accepted: ReturnType<typeof verifyTransition>;
      try {
        accepted = verifyTransition(document, {
          gate: this.#options.gate,
          modes: current.policy.modes,
          operators: this.#options.operators,
          quorum: this.#options.quorum,
          counter: current.counter,
          seenNonce: (nonce) => nonces.some((entry) => entry.nonce === nonce),
          now,
          clockSkewMs: skew,
          maxValidityMs:
            this.#options.maxTransitionValidityMs ?? DEFAULT_MAX_TRANSITION_VALIDITY_MS,
        });
      } catch (error) {
        if (error instanceof TransitionRejectedError) {
          // Should the rejection itself not be recordable (a full outbox), that error is thrown.
          await this.#options.recorder.record({
            kind: 'gate.transition.rejected',
            actor,
            payload: {
              reason: error.reason,
              code: error.code,
              message: error.message,
              mode: current.mode,
              counter: current.counter,
              ...readableBody(document),
            },
          });
        }
        throw error;
      }
      const { body, signers } = accepted;
      await this.#options.recorder.record({
        kind: 'gate.transition.accepted',
        actor,
        payload: {
          from: current.mode,
          to: body.to,
          counter: body.counter,
          previousCounter: current.counter,
          nonce: body.nonce,
          reason: body.reason,
          requester: body.requester,
          notBefore: body.notBefore,
          expiresAt: body.expiresAt,
          signers,
          policyVersion: current.policy.document.version,
          policyDigest: current.policy.digest,
          time: now.toISOString(),
        },
      });
      const state: GateState = {
        ...this.#state,
        mode: body.to,
        counter: body.counter,
        enteredAt: now.toISOString(),
        nonces: [
          ...pruneNonces(this.#state.nonces, now, skew),
          { nonce: body.nonce, expiresAt: body.expiresAt },
        ],
      };
      await saveGateState(this.#options.stateDir, state);
      this.#swap(state, current);
      return this.status();
    });
  }

  /** Called after every mode switch and bundle install; returns the unsubscribe function. */
  onChange(listener: (status: GateStatus) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Waits for a transition or install in flight; later ones are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#tail.catch(() => undefined);
    this.#listeners.clear();
  }

  #serialize<T>(run: () => Promise<T>): Promise<T> {
    if (this.#closed) {
      return Promise.reject(new GateStateError(`gate ${this.#options.gate} is closed.`));
    }
    const result = this.#tail.then(run);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  #swap(state: GateState, opened: Pick<ActivePolicy, 'policy' | 'signedBy' | 'signed'>): void {
    this.#state = state;
    this.#active = activePolicy(state, opened);
    const status = this.status();
    for (const listener of this.#listeners) {
      try {
        listener(status);
      } catch (error) {
        // A listener's bug must not undo or block a switch that already happened.
        process.emitWarning(`a tool gate change listener threw: ${String(error)}`);
      }
    }
  }
}

function activePolicy(
  state: GateState,
  opened: Pick<ActivePolicy, 'policy' | 'signedBy' | 'signed'>,
): ActivePolicy {
  return Object.freeze({
    mode: state.mode,
    counter: state.counter,
    enteredAt: state.enteredAt,
    policy: opened.policy,
    expiresAtMs: Date.parse(opened.policy.document.expiresAt),
    signedBy: Object.freeze([...opened.signedBy]),
    signed: opened.signed,
  });
}

function statusOf(gate: string, active: ActivePolicy, now: Date): GateStatus {
  const document = active.policy.document;
  return {
    gate,
    mode: active.mode,
    counter: active.counter,
    enteredAt: active.enteredAt,
    policyVersion: document.version,
    policyDigest: active.policy.digest,
    policyExpiresAt: document.expiresAt,
    expired: now.getTime() >= active.expiresAtMs,
    modes: active.policy.modes,
    signedBy: active.signedBy,
    signed: active.signed,
  };
}

function expiredReason(active: ActivePolicy): string {
  const document = active.policy.document;
  return `policy version ${document.version} expired at ${document.expiresAt}; every call is denied until a newer bundle is installed.`;
}

/** The installed bundle from the state, checked again; GateStateError when it no longer holds. */
function reopenSaved(saved: GateState, trust: InstalledBundleTrust, path: string): OpenedBundle {
  let opened: OpenedBundle;
  try {
    opened = reopenInstalledBundle(Buffer.from(saved.bundle, 'base64'), {
      ...trust,
      source: `${path} (installed bundle)`,
    });
  } catch (error) {
    if (!(error instanceof BundleRefusedError)) throw error;
    throw new GateStateError(
      `the bundle installed in ${path} no longer passes its checks (${error.reason}): ${error.message}`,
      { cause: error },
    );
  }
  if (
    opened.policy.digest !== saved.policyDigest ||
    opened.policy.document.version !== saved.policyVersion
  ) {
    throw new GateStateError(
      `gate state ${path} is corrupt: its installed bundle is not the policy version and digest it records.`,
    );
  }
  if (!opened.policy.hasMode(saved.mode)) {
    throw new GateStateError(
      `gate state ${path} is corrupt: its mode "${saved.mode}" is not in the installed policy.`,
    );
  }
  return opened;
}

type InitialBundle =
  | { readonly kind: 'newer'; readonly opened: OpenedBundle }
  | { readonly kind: 'not-newer' }
  | { readonly kind: 'refused'; readonly error: BundleRefusedError };

/**
 * The start-up bundle against the installed one. Not newer is the normal restart (the same file
 * again, or an older one while a newer came in by API): the installed one stays. Any other
 * refusal stops the start, since the operator asked for a bundle that cannot be trusted.
 */
function openInitial(
  bytes: Uint8Array,
  trust: InstalledBundleTrust & { now: Date },
  installed: OpenedBundle | undefined,
): InitialBundle {
  try {
    const opened = openBundle(bytes, {
      ...trust,
      ...(installed
        ? {
            installed: {
              version: installed.policy.document.version,
              digest: installed.policy.digest,
            },
          }
        : {}),
    });
    return { kind: 'newer', opened };
  } catch (error) {
    if (!(error instanceof BundleRefusedError)) throw error;
    return error.reason === 'rollback' ? { kind: 'not-newer' } : { kind: 'refused', error };
  }
}

/** The state once `opened` is installed: the mode is kept if the policy still has it. */
function nextStateForBundle(
  previous: GateState | undefined,
  gate: string,
  opened: OpenedBundle,
  bundleBytes: Uint8Array,
  now: Date,
): GateState {
  const keepMode = previous !== undefined && opened.policy.hasMode(previous.mode);
  return {
    gate,
    mode: keepMode ? previous.mode : opened.policy.document.defaultMode,
    counter: previous?.counter ?? 0,
    enteredAt: keepMode ? previous.enteredAt : now.toISOString(),
    policyVersion: opened.policy.document.version,
    policyDigest: opened.policy.digest,
    bundle: Buffer.from(bundleBytes).toString('base64'),
    nonces: previous?.nonces ?? [],
  };
}

function installedRecord(
  actor: string,
  opened: OpenedBundle,
  previous: Pick<ActivePolicy, 'policy'> | OpenedBundle | undefined,
  mode: string,
): GateRecord {
  return {
    kind: 'gate.bundle.installed',
    actor,
    payload: {
      policyVersion: opened.policy.document.version,
      policyDigest: opened.policy.digest,
      policyExpiresAt: opened.policy.document.expiresAt,
      signedBy: opened.signedBy,
      signed: opened.signed,
      mode,
      ...(previous
        ? {
            previousVersion: previous.policy.document.version,
            previousDigest: previous.policy.digest,
          }
        : {}),
    },
  };
}

function refusedRecord(
  actor: string,
  error: BundleRefusedError,
  installed: Pick<ActivePolicy, 'policy'> | OpenedBundle | undefined,
): GateRecord {
  return {
    kind: 'gate.bundle.refused',
    actor,
    payload: {
      reason: error.reason,
      code: error.code,
      message: error.message,
      ...(installed
        ? {
            installedVersion: installed.policy.document.version,
            installedDigest: installed.policy.digest,
          }
        : {}),
    },
  };
}

/** The body fields of a rejected transition that are plain values, for its record. */
function readableBody(document: unknown): Record<string, unknown> {
  if (typeof document !== 'object' || document === null) return {};
  const body = (document as { body?: unknown }).body;
  if (typeof body !== 'object' || body === null) return {};
  const fields: Record<string, unknown> = {};
  for (const key of ['gate', 'to', 'counter', 'nonce', 'requester', 'notBefore', 'expiresAt']) {
    const value = (body as Record<string, unknown>)[key];
    if (typeof value === 'number' && Number.isFinite(value)) fields[key] = value;
    // Bounded: a rejected document is attacker input, and its record must stay small.
    if (typeof value === 'string') fields[key] = value.slice(0, 200);
  }
  const signers = (document as { signatures?: unknown }).signatures;
  if (Array.isArray(signers)) {
    fields.signatureKeyIds = signers
      .slice(0, 32)
      .map((signature) => (signature as { keyId?: unknown } | null)?.keyId)
      .filter((keyId): keyId is string => typeof keyId === 'string')
      .map((keyId) => keyId.slice(0, 200));
  }
  return Object.keys(fields).length > 0 ? { body: fields } : {};
}

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits, so ids sort by time and
 * double as ledger record ids. Within one millisecond the 12-bit rand_a field is a counter
 * (RFC 9562 §6.2 method 1), so ids from this process are strictly increasing. Written here
 * because it is a dozen lines over randomUUID (Node's pooled CSPRNG supplies the 62 random bits
 * of rand_b and the variant), and no dependency of this package offers v7.
 */
let lastMs = 0;
let sequence = 0;
let lastIsoMs = Number.NaN;
let lastIso = '';

/** Date#toISOString, once per millisecond: decisions in the same millisecond share the string. */
function isoTime(ms: number): string {
  if (ms !== lastIsoMs) {
    lastIsoMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}
function decisionId(nowMs: number): string {
  if (nowMs > lastMs) {
    lastMs = nowMs;
    sequence = 0;
  } else if (++sequence > 0xfff) {
    // 4096 ids in one millisecond: borrow the next millisecond rather than repeat an id.
    lastMs += 1;
    sequence = 0;
  }
  const time = lastMs.toString(16).padStart(12, '0');
  const randA = sequence.toString(16).padStart(3, '0');
  // randomUUID(): xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx; keep its variant and rand_b.
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${randA}-${randomUUID().slice(19)}`;
}
