/**
 * bench:config: how long the config registry takes from starting a rollout to the last
 * acknowledgement, for N consumers in ONE stage, against bare NATS request/reply round trips
 * measured in the same run on the same connections.
 *
 *   npx tsx --conditions=@bulwark/source bench/config.ts [--consumers 50] [--rounds 20]
 *       [--transport nats|postgres|embedded] [--store pglite|postgres]
 *       [--nats nats://127.0.0.1:4222] [--postgres postgres://postgres@127.0.0.1:5432/postgres]
 *
 * Each round publishes a new version of `notifications` (POST /v1/configs/notifications/versions,
 * not timed), then times POST /v1/configs/notifications/rollouts with one stage of every
 * instance (`[{share: 1}]`, bake 0) until the registry has handled the last consumer's `applied`
 * acknowledgement: the HTTP request, storing the rollout and its targets, the apply message on the
 * transport, each consumer validating the document against its schema and applying it, its ack
 * and presence on the transport, and the registry's bookkeeping of every ack (one store
 * transaction each, one at a time). Along the way it notes when the apply message was on the
 * transport and when the last consumer's ack was (its send resolved), so the table splits the
 * time into the registry's start, the fan-out and the consumers, and the registry's handling of
 * the acks. A round ends with the rollout `completed` and every presence of the new version
 * handled, so rounds do not overlap; one untimed round warms up first.
 *
 * The baseline, measured in the same run after each round: N parallel core NATS requests
 * (`nc.request`), one to each of N responders, from the registry's connection to the consumers'
 * connections, the request the size of the round's apply message and the reply the size of an
 * ack: the floor of one message fanned out to N consumers and N answers back, with no
 * JetStream, no storage and no validation. One single request/reply round trip is printed too.
 *
 * The consumers are real ConfigConsumers, all in this process (on NATS, one connection each): the
 * figure measures the protocol and the registry's bookkeeping on one machine, not N machines.
 * The registry is the real service (openConfigRegistry, its HTTP routes, its store on PGlite in
 * memory by default, or --store postgres on a fresh database). `--transport postgres` carries the
 * messages by LISTEN/NOTIFY on a fresh database (consumers share one transport per 10, as 50
 * transports of their own would take most of the shared server's 100 connections);
 * `--transport embedded` is the registry's default on PGlite (its own wiring: the log in its
 * database served over its HTTP routes, SSE) to consumers using HttpConfigTransport, one each. The NATS baseline is the same in every case.
 *
 * Needs NATS with JetStream (--nats), and PostgreSQL for --transport/--store postgres. Works in a
 * NATS namespace and a database of its own, and removes them at the end.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import {
  type Ack,
  type ApplyMessage,
  builtInConfigSchemas,
  ConfigConsumer,
  type ConfigDocument,
  type ConfigTransport,
  type Delivery,
  HttpConfigTransport,
  NatsConfigTransport,
  PostgresConfigTransport,
  type Presence,
  type RegistryFeedOptions,
  schemaChecks,
  type Unsubscribe,
} from '@bulwark/config';
import type { Service } from '@bulwark/kit';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { openConfigRegistry, REGISTRY_NAME } from '../services/config-registry/src/index.js';

const TRANSPORTS = ['nats', 'postgres', 'embedded'] as const;
type TransportName = (typeof TRANSPORTS)[number];
const STORES = ['pglite', 'postgres'] as const;
const CONFIG = 'notifications';
/** Consumers per shared PostgresConfigTransport (see the header). */
const PG_CONSUMERS_PER_TRANSPORT = 10;
const ROUND_TIMEOUT_MS = 120_000;

function usage(message: string): never {
  process.stderr.write(`bench:config: ${message}\n`);
  process.exit(2);
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      consumers: { type: 'string', default: '50' },
      rounds: { type: 'string', default: '20' },
      transport: { type: 'string', default: 'nats' },
      store: { type: 'string', default: 'pglite' },
      nats: { type: 'string', default: 'nats://127.0.0.1:4222' },
      postgres: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    },
  }));
} catch (error) {
  usage((error as Error).message.split('\n')[0] ?? 'bad arguments');
}
const CONSUMERS = Number(values.consumers);
const ROUNDS = Number(values.rounds);
const TRANSPORT = String(values.transport) as TransportName;
const STORE = String(values.store);
const NATS_URL = String(values.nats);
const ADMIN_URL = String(values.postgres);
if (!Number.isInteger(CONSUMERS) || CONSUMERS < 1 || CONSUMERS > 500) {
  usage('--consumers takes an integer from 1 to 500');
}
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || ROUNDS > 10_000) {
  usage('--rounds takes an integer from 1 to 10000');
}
if (!TRANSPORTS.includes(TRANSPORT)) usage(`--transport takes ${TRANSPORTS.join(', ')}`);
if (!(STORES as readonly string[]).includes(STORE)) usage(`--store takes ${STORES.join(', ')}`);
if (TRANSPORT === 'embedded' && STORE !== 'pglite') {
  usage(
    '--transport embedded takes --store pglite (on a postgres:// store the registry uses LISTEN/NOTIFY)',
  );
}
if (!/^nats:\/\//.test(NATS_URL)) usage('--nats takes a nats:// URL');
if (!/^postgres(ql)?:\/\//.test(ADMIN_URL)) usage('--postgres takes a postgres:// URL');

const log = (line = '') => process.stdout.write(`${line}\n`);
const now = () => performance.now();
const fmt = (n: number, d = 1) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const pct = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');

/** A promise and its resolve. */
function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

/** Waits for `promise`, or fails naming what it waited for (the timer does not outlive it). */
async function within(promise: Promise<void>, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${ROUND_TIMEOUT_MS} ms waiting for ${what}`)),
      ROUND_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

// ---- what the registry and the consumers did, when -----------------------------------------

interface RolloutTimes {
  applyPublishedAt?: number;
  lastAckSentAt?: number;
  acksSent: number;
  acksHandled: number;
  lastAckHandledAt?: number;
  refused?: string;
  handled: ReturnType<typeof deferred>;
}
const rollouts = new Map<string, RolloutTimes>();
const presenceByVersion = new Map<number, { count: number; all: ReturnType<typeof deferred> }>();
let applyBytes = 0;
let ackBytes = 0;
/**
 * How long the registry had an ack or a presence step in hand (queued or running on the engine's
 * one queue, store included): the union of the two feeds' handler times, so a step waiting for
 * the other feed's is not counted twice.
 */
let registryBusyMs = 0;
let stepsInHand = 0;
let busySince = 0;
async function registryStep(step: () => Promise<void>): Promise<void> {
  if (stepsInHand++ === 0) busySince = now();
  try {
    await step();
  } finally {
    if (--stepsInHand === 0) registryBusyMs += now() - busySince;
  }
}

function timesOf(rolloutId: string): RolloutTimes {
  let times = rollouts.get(rolloutId);
  if (times === undefined) {
    times = {
      acksSent: 0,
      acksHandled: 0,
      handled: deferred(),
    };
    rollouts.set(rolloutId, times);
  }
  return times;
}

function presenceOf(version: number) {
  let entry = presenceByVersion.get(version);
  if (entry === undefined) {
    entry = { count: 0, all: deferred() };
    presenceByVersion.set(version, entry);
  }
  return entry;
}

/**
 * The registry's or the consumers' transport, noting when an apply went out, an ack was sent,
 * and the registry's handler of an ack or a presence returned (the engine's step for it done).
 */
class TimedTransport implements ConfigTransport {
  readonly #inner: ConfigTransport;
  constructor(inner: ConfigTransport) {
    this.#inner = inner;
  }
  get kind(): string {
    return this.#inner.kind;
  }
  async publishApply(message: ApplyMessage): Promise<void> {
    await this.#inner.publishApply(message);
    timesOf(message.rolloutId).applyPublishedAt = now();
    applyBytes = Buffer.byteLength(JSON.stringify(message));
  }
  onAck(
    handler: (ack: Ack, delivery: Delivery) => void | Promise<void>,
    options?: RegistryFeedOptions,
  ): Promise<Unsubscribe> {
    return this.#inner.onAck(async (ack, delivery) => {
      await registryStep(async () => handler(ack, delivery));
      const times = timesOf(ack.rolloutId);
      if (ack.result !== 'applied') {
        times.refused ??= `${ack.instance} answered ${ack.result}: ${ack.reason ?? ''}`;
        return;
      }
      times.acksHandled += 1;
      if (times.acksHandled === CONSUMERS) {
        times.lastAckHandledAt = now();
        times.handled.resolve();
      }
    }, options);
  }
  onPresence(
    handler: (presence: Presence, delivery: Delivery) => void | Promise<void>,
    options?: RegistryFeedOptions,
  ): Promise<Unsubscribe> {
    return this.#inner.onPresence(async (presence, delivery) => {
      await registryStep(async () => handler(presence, delivery));
      const entry = presenceOf(presence.version);
      entry.count += 1;
      if (entry.count === CONSUMERS) entry.all.resolve();
    }, options);
  }
  onApply(
    config: string,
    handler: (message: ApplyMessage) => void | Promise<void>,
  ): Promise<Unsubscribe> {
    return this.#inner.onApply(config, handler);
  }
  async sendAck(ack: Ack): Promise<void> {
    await this.#inner.sendAck(ack);
    const times = timesOf(ack.rolloutId);
    times.acksSent += 1;
    if (times.acksSent === CONSUMERS) times.lastAckSentAt = now();
    ackBytes = Buffer.byteLength(JSON.stringify(ack));
  }
  sendPresence(presence: Presence): Promise<void> {
    return this.#inner.sendPresence(presence);
  }
  close(): Promise<void> {
    return this.#inner.close();
  }
}

// ---- the parts, and their removal ------------------------------------------------------------

const namespace = `bench_${randomBytes(5).toString('hex')}`;
const cleanups: Array<() => Promise<void>> = [];
const cleanUp = async () => {
  // Taken from the list: a Ctrl-C during the final clean-up does not run a step twice.
  for (const step of cleanups.splice(0).reverse()) {
    await step().catch((error: unknown) => {
      process.stderr.write(`bench:config: cleaning up: ${(error as Error).message}\n`);
    });
  }
};

async function adminQuery(statement: string): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(statement);
  } finally {
    await admin.end();
  }
}

let databaseUrl: string | undefined;
/** One fresh database for whatever this run keeps on PostgreSQL; dropped at the end. */
async function freshDatabase(): Promise<string> {
  if (databaseUrl !== undefined) return databaseUrl;
  const name = `bw_bench_config_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  cleanups.push(() => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  databaseUrl = url.toString();
  return databaseUrl;
}

async function natsConnection(name: string): Promise<NatsConnection> {
  const nc = await connect({ servers: NATS_URL, name });
  cleanups.push(() => nc.close());
  return nc;
}

const QUIET = {
  handleProcessSignals: false,
  http: { port: 0 },
  shutdown: { drainDelayMs: 0 },
  logging: { level: 'silent' as const },
};

interface Registry {
  service: Service;
  base: string;
}

/** The registry service in this process, with its transport timed; the service closes it. */
async function startRegistry(registryNc: NatsConnection): Promise<Registry> {
  const env: Record<string, string> = {
    DATABASE_URL: STORE === 'postgres' ? await freshDatabase() : 'memory://',
  };
  let service: Service;
  if (TRANSPORT === 'embedded') {
    // The registry's own default: no NATS_URL, no postgres:// URL, so it builds the embedded
    // transport over its database and mounts the routes its consumers follow.
    service = await openConfigRegistry(
      { ...env, NATS_URL: '', CONFIG_TRANSPORT_URL: '' },
      { ...QUIET, wrapTransport: (inner) => new TimedTransport(inner) },
    );
  } else {
    const inner =
      TRANSPORT === 'nats'
        ? await NatsConfigTransport.connect({
            connection: registryNc,
            namespace,
            registryName: REGISTRY_NAME,
          })
        : await PostgresConfigTransport.connect({ url: await freshDatabase() });
    service = await openConfigRegistry(env, { ...QUIET, transport: new TimedTransport(inner) });
  }
  cleanups.push(async () => {
    await service.shutdown();
  });
  await service.listen();
  return { service, base: `http://127.0.0.1:${service.port}` };
}

/** The consumers' transports: one per consumer, or one per 10 on PostgreSQL. */
async function consumerTransports(
  registry: Registry,
  connections: readonly NatsConnection[],
): Promise<ConfigTransport[]> {
  const transports: ConfigTransport[] = [];
  for (let i = 0; i < CONSUMERS; i++) {
    let inner: ConfigTransport;
    if (TRANSPORT === 'nats') {
      inner = await NatsConfigTransport.connect({ connection: connections[i]!, namespace });
    } else if (TRANSPORT === 'embedded') {
      inner = await HttpConfigTransport.connect({ url: registry.base });
    } else if (i % PG_CONSUMERS_PER_TRANSPORT === 0) {
      inner = await PostgresConfigTransport.connect({ url: await freshDatabase(), poolMax: 2 });
    } else {
      transports.push(transports[i - 1]!);
      continue;
    }
    const timed = new TimedTransport(inner);
    cleanups.push(() => timed.close());
    transports.push(timed);
  }
  return transports;
}

async function startConsumers(transports: readonly ConfigTransport[]) {
  const schemas = builtInConfigSchemas();
  const consumers: ConfigConsumer<ConfigDocument>[] = [];
  for (let i = 0; i < CONSUMERS; i++) {
    const consumer = new ConfigConsumer<ConfigDocument>({
      transport: transports[i]!,
      config: CONFIG,
      instance: `bench-${i}`,
      ...schemaChecks(schemas),
      initial: schemas.get(CONFIG, 1).defaults,
      apply: () => undefined,
      restart: () => undefined,
    });
    await consumer.start();
    cleanups.push(() => consumer.stop());
    consumers.push(consumer);
  }
  return consumers;
}

/** One request to the registry; its JSON answer, read as the caller says it is shaped. */
async function call<T>(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status >= 300) {
    throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
  }
  return JSON.parse(text) as T;
}

/** Polls until the registry knows every consumer (their first Presence was handled). */
async function untilInstancesKnown(base: string): Promise<void> {
  const deadline = Date.now() + ROUND_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const answer = await call<{ instances: unknown[] }>(
      base,
      'GET',
      `/v1/configs/${CONFIG}/instances`,
    );
    if (answer.instances.length === CONSUMERS) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the registry did not see ${CONSUMERS} instances in time`);
}

// ---- one round -------------------------------------------------------------------------------

interface Round {
  /** POST …/rollouts sent → the apply message on the transport. */
  applyPublished: number;
  /** → the last consumer's ack sent. */
  lastAckSent: number;
  /** → the registry handled the last ack: the headline figure. */
  lastAckHandled: number;
  /** How long the registry had this round's acks and presences in hand (a sum, not from the start). */
  registryBusy: number;
}

async function rolloutRound(base: string, round: number): Promise<Round> {
  const published = await call<{ version: number }>(
    base,
    'POST',
    `/v1/configs/${CONFIG}/versions`,
    {
      // A different document each round (intervalSeconds 10…86400 is valid).
      document: { janitor: { enabled: round % 2 === 0, intervalSeconds: 10 + round } },
      message: `bench round ${round}`,
    },
  );
  const version = published.version;
  const presences = presenceOf(version);
  const stepsBefore = registryBusyMs;
  const started = now();
  const status = await call<{ id: string }>(base, 'POST', `/v1/configs/${CONFIG}/rollouts`, {
    version,
    stages: [{ share: 1 }],
    bakeMs: 0,
    ackTimeoutMs: ROUND_TIMEOUT_MS,
    reason: `bench round ${round}`,
  });
  const times = timesOf(status.id);
  await within(times.handled.promise, `${CONSUMERS} acknowledgements of rollout ${status.id}`);
  if (times.refused !== undefined) throw new Error(`rollout refused: ${times.refused}`);
  // Untimed: the rollout is over and every presence of the new version handled.
  const deadline = Date.now() + ROUND_TIMEOUT_MS;
  let state = '';
  while (Date.now() < deadline) {
    const answer = await call<{ state: string }>(base, 'GET', `/v1/rollouts/${status.id}`);
    state = answer.state;
    if (state !== 'running') break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (state !== 'completed') throw new Error(`rollout ${status.id} ended ${state}, not completed`);
  await within(presences.all.promise, `${CONSUMERS} presences at v${version}`);
  return {
    applyPublished: times.applyPublishedAt! - started,
    lastAckSent: times.lastAckSentAt! - started,
    lastAckHandled: times.lastAckHandledAt! - started,
    registryBusy: registryBusyMs - stepsBefore,
  };
}

/** The baseline: N parallel core NATS requests, one to each consumer connection's responder. */
async function baselineRound(
  requester: NatsConnection,
  subjects: readonly string[],
): Promise<{ parallel: number; single: number }> {
  const payload = new Uint8Array(applyBytes);
  let t = now();
  await Promise.all(
    subjects.map((subject) => requester.request(subject, payload, { timeout: 10_000 })),
  );
  const parallel = now() - t;
  t = now();
  await requester.request(subjects[0]!, payload, { timeout: 10_000 });
  return { parallel, single: now() - t };
}

// ---- the run -----------------------------------------------------------------------------------

// Ctrl-C still removes the namespace's streams and the database.
process.once('SIGINT', () => {
  process.stderr.write('bench:config: interrupted; cleaning up\n');
  void cleanUp().finally(() => process.exit(130));
});

const startLoad = load();
const rounds: Round[] = [];
const parallel: number[] = [];
const single: number[] = [];
try {
  // One connection for the registry (and the baseline's requester), one per consumer (and its
  // baseline responder), as N separate instances would have.
  const registryNc = await natsConnection('bench-config-registry');
  const consumerNcs: NatsConnection[] = [];
  for (let i = 0; i < CONSUMERS; i++) consumerNcs.push(await natsConnection(`bench-config-${i}`));
  cleanups.push(async () => {
    const nc = await connect({ servers: NATS_URL });
    try {
      const jsm = await jetstreamManager(nc);
      const stream = `${namespace.toUpperCase()}_CONFIG`;
      for (const name of [stream, `${stream}_REPLIES`]) {
        await jsm.streams.delete(name).catch(() => undefined);
      }
    } finally {
      await nc.close();
    }
  });
  const subjects = consumerNcs.map((nc, i) => {
    const subject = `${namespace}.baseline.${i}`;
    nc.subscribe(subject, {
      callback: (error, message) => {
        if (error === null) message.respond(new Uint8Array(ackBytes));
      },
    });
    return subject;
  });
  await Promise.all(consumerNcs.map((nc) => nc.flush()));

  const registry = await startRegistry(registryNc);
  const transports = await consumerTransports(registry, consumerNcs);
  await startConsumers(transports);
  await untilInstancesKnown(registry.base);

  await rolloutRound(registry.base, 0);
  await baselineRound(registryNc, subjects);
  for (let round = 1; round <= ROUNDS; round++) {
    rounds.push(await rolloutRound(registry.base, round));
    const base = await baselineRound(registryNc, subjects);
    parallel.push(base.parallel);
    single.push(base.single);
    process.stderr.write(`  round ${round}/${ROUNDS}\r`);
  }
} catch (error) {
  const { name, message } = error as Error;
  process.stderr.write(`bench:config: ${name}: ${String(message).split('\n')[0]}\n`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}

if (rounds.length === ROUNDS) {
  const store = STORE === 'postgres' ? 'PostgreSQL (fresh database)' : 'PGlite in memory';
  log(
    `config registry: ${CONSUMERS} consumers in one stage, ${ROUNDS} rounds (+1 warm-up), transport ${TRANSPORT}, registry store ${store}`,
  );
  log(
    `apply message ${applyBytes} B, ack ${ackBytes} B; consumers and registry in this process; load average ${startLoad} at start, ${load()} at end`,
  );
  log('');
  const header = `${'measure (ms, from POST …/rollouts)'.padEnd(60)}${'p50'.padStart(9)}${'p99'.padStart(9)}${'mean'.padStart(9)}`;
  log(header);
  const row = (label: string, xs: readonly number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    log(
      `${label.padEnd(60)}${fmt(pct(sorted, 0.5)).padStart(9)}${fmt(pct(sorted, 0.99)).padStart(9)}${fmt(mean(xs)).padStart(9)}`,
    );
  };
  row(
    'apply message on the transport',
    rounds.map((r) => r.applyPublished),
  );
  row(
    `last of ${CONSUMERS} acks sent by its consumer`,
    rounds.map((r) => r.lastAckSent),
  );
  row(
    `last of ${CONSUMERS} acks handled by the registry`,
    rounds.map((r) => r.lastAckHandled),
  );
  row(
    `(registry busy with ${CONSUMERS} acks + ${CONSUMERS} presences, summed)`,
    rounds.map((r) => r.registryBusy),
  );
  row(`baseline: ${CONSUMERS} parallel NATS request/replies`, parallel);
  row('baseline: 1 NATS request/reply', single);
  const headline = pct(
    [...rounds.map((r) => r.lastAckHandled)].sort((a, b) => a - b),
    0.5,
  );
  const floor = pct(
    [...parallel].sort((a, b) => a - b),
    0.5,
  );
  log('');
  log(
    `publish → last ack handled is ${fmt(headline / floor)}× ${CONSUMERS} parallel NATS request/replies (p50 against p50, same run)`,
  );
  if (ROUNDS < 100) log(`(with ${ROUNDS} rounds, p99 is the slowest round)`);
}
