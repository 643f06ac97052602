import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { approveTransition, createTransitionRequest, type TransitionRequest } from '@bulwark/gate';
import {
  type KeyProvider,
  MemoryAuditSink,
  openFileKeyProvider,
  openOrCreateKey,
  type Signer,
} from '@bulwark/keys';
import { freePort, type SpawnedProcess, spawnTs } from '@bulwark/testkit';
import { request } from 'undici';

/** Shared by the tool gate's service tests: temp dirs, keys, processes and HTTP calls. */

export const TOOL_GATE_MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
export const LEDGER_MAIN = fileURLToPath(new URL('../../ledger/src/main.ts', import.meta.url));

/** The gate name the service uses unless BULWARK_GATE_NAME says otherwise. */
export const GATE = 'tool-gate';

export const silentLog = new Writable({ write: (_chunk, _encoding, done) => done() });

export async function tempDir(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * The development file keystore the gate reads (BULWARK_KEYS_DIR), opened by the test as an
 * operator would: the same keys sign transitions and bundles here and are trusted by the gate.
 */
export interface Keystore {
  readonly dir: string;
  signer(name: string): Promise<Signer>;
  close(): Promise<void>;
}

export async function openKeystore(dir: string): Promise<Keystore> {
  const provider: KeyProvider = await openFileKeyProvider({ dir, audit: new MemoryAuditSink() });
  return {
    dir,
    signer: (name) => openOrCreateKey(provider, name, { create: true }),
    close: () => provider.close(),
  };
}

export interface TransitionSpec {
  readonly to: string;
  readonly counter: number;
  readonly signers: readonly Signer[];
  readonly nonce?: string;
  readonly gate?: string;
}

/** A transition request approved by each signer in turn. */
export async function signedTransition(spec: TransitionSpec): Promise<TransitionRequest> {
  let document = createTransitionRequest({
    gate: spec.gate ?? GATE,
    to: spec.to,
    reason: 'service test',
    counter: spec.counter,
    requester: 'test-operator',
    ...(spec.nonce ? { nonce: spec.nonce } : {}),
  });
  for (const signer of spec.signers) document = await approveTransition(document, signer);
  return document;
}

export interface RunningService {
  readonly proc: SpawnedProcess;
  readonly port: number;
  readonly url: string;
  /** Sends the signal and resolves with the exit code (or signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

const running = new Set<SpawnedProcess>();

/**
 * Spawns a service's main.ts on `port` (a free one by default) and waits for "ready on http".
 * Every process spawned here is killed by killAll(), whatever a test did with it.
 */
export async function startService(
  entry: string,
  env: Record<string, string>,
  port?: number,
): Promise<RunningService> {
  const bound = port ?? (await freePort());
  const proc = spawnTs(entry, {
    PORT: String(bound),
    BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '0',
    BULWARK_READINESS_INTERVAL_MS: '100',
    ...env,
  });
  running.add(proc);
  proc.exited.then(() => running.delete(proc));
  await proc.waitForLine((line) => line.includes('ready on http'), 60_000);
  return {
    proc,
    port: bound,
    url: `http://127.0.0.1:${bound}`,
    stop: async (signal = 'SIGTERM') => {
      proc.kill(signal);
      return proc.exited;
    },
  };
}

/** The ledger service on PGlite in `dataDir`, without periodic checkpoints. */
export function startLedger(dataDir: string, keysDir: string, port?: number) {
  return startService(
    LEDGER_MAIN,
    {
      BULWARK_LEDGER_DATA_DIR: dataDir,
      BULWARK_KEYS_DIR: keysDir,
      BULWARK_LEDGER_CHECKPOINT_INTERVAL_MS: '0',
      BULWARK_LEDGER_CHECKPOINT_AFTER_ENTRIES: '0',
      BULWARK_LEDGER_CHECKPOINT_QUIET_MS: '0',
    },
    port,
  );
}

export async function killAll(): Promise<void> {
  const left = [...running];
  for (const proc of left) proc.kill('SIGKILL');
  await Promise.all(left.map((proc) => proc.exited));
}

export interface Answer<T = unknown> {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: T;
  readonly text: string;
}

/** One HTTP call over a real socket; the body is parsed as JSON when it is JSON. */
export async function call<T = Record<string, unknown>>(
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  body?: unknown,
  options: { raw?: string } = {},
): Promise<Answer<T>> {
  const payload = options.raw ?? (body === undefined ? undefined : JSON.stringify(body));
  const response = await request(url, {
    method,
    headers: payload === undefined ? {} : { 'content-type': 'application/json' },
    body: payload,
  });
  const text = await response.body.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON (/metrics): the text is the body.
  }
  return { status: response.statusCode, headers: response.headers, body: parsed as T, text };
}

/**
 * The value of one sample in a Prometheus text exposition, or undefined when it is absent.
 * `labels` must match the sample's labels exactly. A lookup, not a parser: the kit's own tests
 * hold the exposition to promtool.
 */
export function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      found[pair[1] as string] = pair[2] as string;
    }
    const wanted = Object.entries(labels);
    if (
      wanted.length === Object.keys(found).length &&
      wanted.every(([key, value]) => found[key] === value)
    ) {
      return Number(match[3]);
    }
  }
  return undefined;
}

/** Polls `probe` until it returns something other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly errorId: string;
}

export interface GateView {
  readonly gate: string;
  readonly mode: string;
  readonly counter: number;
  readonly policyVersion: number;
  readonly policyDigest: string;
  readonly signed: boolean;
  readonly signedBy: string[];
  readonly outbox: { depth: number; max_records: number } & Record<string, unknown>;
}

export interface DecisionAnswer {
  readonly id: string;
  readonly allow: boolean;
  readonly effect: string;
  readonly reason: string;
  readonly ruleId?: string;
  readonly mode: string;
  readonly policyVersion: number;
  readonly policyDigest: string;
  readonly counter: number;
  readonly time: string;
}

export interface HealthComponent {
  readonly name: string;
  readonly critical: boolean;
  readonly status: string;
  readonly error?: string;
  readonly details?: Record<string, unknown>;
}

export interface Health {
  readonly status: string;
  readonly components: HealthComponent[];
}
