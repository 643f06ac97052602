import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type autocannon from 'autocannon';
import { roundMs } from './process-signals.js';

/**
 * Load on a service while it shuts down, from autocannon (used as a library), sent the way a
 * load balancer in front of the service sends it. Until the balancer takes the instance out
 * (`takeOut()`, called once /ready stops answering 200), every connection that closes is
 * opened again; after that no new connection is opened, and requests continue only on the
 * connections already open, until the service closes them.
 *
 * Every request is accounted for on the socket it was written to, which is what tells a
 * request the service accepted and then dropped from one it never accepted:
 *   - written on a socket that never connected (refused): not accepted;
 *   - written after the service answered `Connection: close` on that socket: not accepted
 *     (autocannon, unlike a balancer, writes the next request anyway);
 *   - written on a connected socket that then closed or was reset with no answer: failed
 *     after being accepted, as is a 5xx answer other than 503 (503 is the service saying it is
 *     unavailable: a balancer retries elsewhere), and a request still unanswered when the
 *     drill ends.
 *
 * autocannon exposes no hook to stop reconnecting, and reconnects at once, in a tight loop,
 * when connections are refused; its client's `_connect` is wrapped (own property, set in
 * `setupClient`, before the first connect) for both: the pinned autocannon 8 calls it for
 * every connection, and this drill's tests fail if that stops being so.
 */

export interface BalancedLoadOptions {
  readonly url: URL;
  readonly connections: number;
  /** autocannon's per-request timeout; longer than the drill, so only the drill ends requests. */
  readonly timeoutMs: number;
}

/** Why requests failed after they were accepted. */
export type AcceptedFailure = 'reset' | 'closed' | '5xx' | 'unanswered';

export interface LoadTally {
  readonly sent: number;
  readonly answered: number;
  readonly answered2xx: number;
  /** 503 answers: the service declining work while it drains, which is allowed. */
  readonly unavailable: number;
  readonly failedAccepted: number;
  readonly failedAcceptedBy: Readonly<Record<AcceptedFailure, number>>;
  /** Ms from the fault of each failure after acceptance, for the report. */
  readonly failedAtMs: readonly number[];
  /** Requests written where the service had not accepted them (refused, or after its close). */
  readonly notAccepted: number;
  /** Requests on connected sockets, unanswered, when the fault was injected. */
  readonly inFlightAtFault: number;
  /** Answers (any status) that arrived after the fault. */
  readonly answeredAfterFault: number;
  /** Ms from the fault to the last answer, when one came after it. */
  readonly lastAnswerMs: number | undefined;
  /** Ms from the fault to the first refused connection: when the listener had closed. */
  readonly firstRefusedMs: number | undefined;
  /** Latency (ms) of every answer, in order, up to MAX_LATENCIES. */
  readonly latencies: readonly number[];
  readonly statuses: Readonly<Record<string, number>>;
}

const MAX_LATENCIES = 20_000;
const MAX_FAILURE_TIMES = 1_000;
/** A refused client waits this long before connecting again, instead of spinning. */
const REFUSED_BACKOFF_MS = 25;
/** How often autocannon checks whether it was stopped (its default is a second). */
const SAMPLE_INTERVAL_MS = 50;

interface SocketState {
  connected: boolean;
  closeAnnounced: boolean;
  errorCode: string | undefined;
  /** performance.now() of each request written and not yet answered, oldest first. */
  readonly outstanding: number[];
}

/** The parts of autocannon's client this module touches (lib/httpClient.js). */
interface CannonClient {
  conn: Socket;
  destroyed: boolean;
  _connect: () => void;
  on(event: 'request', listener: () => void): void;
  on(
    event: 'headers',
    listener: (info: { headers?: string[]; shouldKeepAlive?: boolean }) => void,
  ): void;
  on(event: 'response', listener: (status: number) => void): void;
}

/**
 * autocannon is loaded by the shutdown drill when it starts its load, not with the package:
 * imported eagerly it cost every importer of @bulwark/verify (the CLI's other commands) about a
 * tenth of a second. `require` keeps the constructor synchronous; autocannon is CommonJS, so this
 * is the module `import` gives.
 */
const requireOnUse = createRequire(import.meta.url);

export class BalancedLoad {
  readonly #instance: autocannon.Instance;
  readonly #done: Promise<void>;
  readonly #sockets = new WeakMap<Socket, SocketState>();
  readonly #open = new Set<SocketState>();
  #takenOut = false;
  #stopped = false;
  #fault: number | undefined;
  #sent = 0;
  #answered = 0;
  #answered2xx = 0;
  #unavailable = 0;
  #notAccepted = 0;
  #inFlightAtFault = 0;
  #answeredAfterFault = 0;
  #lastAnswerAt: number | undefined;
  #firstRefusedAt: number | undefined;
  readonly #failedBy: Record<AcceptedFailure, number> = {
    reset: 0,
    closed: 0,
    '5xx': 0,
    unanswered: 0,
  };
  readonly #failedAt: number[] = [];
  readonly #latencies: number[] = [];
  readonly #statuses: Record<string, number> = {};

  constructor(options: BalancedLoadOptions) {
    let finished: () => void = () => undefined;
    this.#done = new Promise((resolve) => {
      finished = resolve;
    });
    const startAutocannon = requireOnUse('autocannon') as typeof autocannon;
    this.#instance = startAutocannon(
      {
        url: options.url.href,
        connections: options.connections,
        // The drill stops it; the duration only bounds a drill that somehow never does.
        duration: Math.ceil(options.timeoutMs / 1000) + 60,
        timeout: Math.ceil(options.timeoutMs / 1000),
        sampleInt: SAMPLE_INTERVAL_MS,
        setupClient: (client) => this.#setup(client as unknown as CannonClient),
      },
      () => finished(),
    );
  }

  #setup(client: CannonClient): void {
    const connect = client._connect;
    let waiting = false;
    let lastRefused = false;
    client._connect = () => {
      if (this.#takenOut || this.#stopped || client.destroyed || waiting) return;
      if (lastRefused) {
        waiting = true;
        setTimeout(() => {
          waiting = false;
          lastRefused = false;
          client._connect();
        }, REFUSED_BACKOFF_MS).unref();
        return;
      }
      connect.call(client);
      const state = this.#stateOf(client.conn);
      // Ahead of autocannon's own 'error' listener, which reconnects at once.
      client.conn.prependListener('error', () => {
        if (!state.connected) lastRefused = true;
      });
    };
    client.on('request', () => {
      this.#sent++;
      this.#stateOf(client.conn).outstanding.push(performance.now());
    });
    client.on('headers', (info) => {
      if (info.shouldKeepAlive === false || announcesClose(info.headers)) {
        this.#stateOf(client.conn).closeAnnounced = true;
      }
    });
    client.on('response', (status) => this.#answer(this.#stateOf(client.conn), status));
  }

  #stateOf(socket: Socket): SocketState {
    let state = this.#sockets.get(socket);
    if (state) return state;
    const created: SocketState = {
      connected: false,
      closeAnnounced: false,
      errorCode: undefined,
      outstanding: [],
    };
    this.#sockets.set(socket, created);
    this.#open.add(created);
    socket.once('connect', () => {
      created.connected = true;
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      created.errorCode ??= error.code;
    });
    socket.once('close', () => this.#closed(created));
    state = created;
    return state;
  }

  #answer(state: SocketState, status: number): void {
    const now = performance.now();
    const sentAt = state.outstanding.shift();
    this.#answered++;
    this.#statuses[status] = (this.#statuses[status] ?? 0) + 1;
    if (sentAt !== undefined && this.#latencies.length < MAX_LATENCIES) {
      this.#latencies.push(roundMs(now - sentAt));
    }
    if (status >= 200 && status < 300) this.#answered2xx++;
    if (status === 503) this.#unavailable++;
    else if (status >= 500) this.#fail('5xx', now);
    if (this.#fault !== undefined) {
      this.#answeredAfterFault++;
      this.#lastAnswerAt = now;
    }
  }

  #closed(state: SocketState): void {
    this.#open.delete(state);
    const now = performance.now();
    if (!state.connected && state.errorCode === 'ECONNREFUSED' && this.#fault !== undefined) {
      this.#firstRefusedAt ??= now;
    }
    const lost = state.outstanding.splice(0).length;
    if (lost === 0 || this.#stopped) return;
    if (!state.connected || state.closeAnnounced) {
      this.#notAccepted += lost;
      return;
    }
    const why =
      state.errorCode === 'ECONNRESET' || state.errorCode === 'EPIPE' ? 'reset' : 'closed';
    for (let i = 0; i < lost; i++) this.#fail(why, now);
  }

  #fail(why: AcceptedFailure, at: number): void {
    this.#failedBy[why]++;
    if (this.#failedAt.length < MAX_FAILURE_TIMES) this.#failedAt.push(at);
  }

  /** The fault is injected now: figures after it are counted from here. */
  markFault(): number {
    this.#fault = performance.now();
    for (const state of this.#open)
      if (state.connected) this.#inFlightAtFault += state.outstanding.length;
    return this.#fault;
  }

  /** Answers with a 2xx status so far: none before the fault means the load measured nothing. */
  get answered2xx(): number {
    return this.#answered2xx;
  }

  /** The balancer takes the instance out: no new connections from here on. */
  takeOut(): void {
    this.#takenOut = true;
  }

  /** Sockets not yet closed. */
  get openConnections(): number {
    return this.#open.size;
  }

  /**
   * Stops the load and tallies it. A request still unanswered on a connection the service
   * accepted and did not announce closing counts as failed after acceptance.
   */
  async stop(): Promise<LoadTally> {
    if (!this.#stopped) {
      const now = performance.now();
      for (const state of this.#open) {
        const lost = state.outstanding.splice(0).length;
        if (state.connected && !state.closeAnnounced) {
          for (let i = 0; i < lost; i++) this.#fail('unanswered', now);
        } else {
          this.#notAccepted += lost;
        }
      }
      this.#stopped = true;
      this.#instance.stop();
    }
    await this.#done;
    return this.#tally();
  }

  #tally(): LoadTally {
    const fault = this.#fault ?? performance.now();
    const failedAccepted = Object.values(this.#failedBy).reduce((a, b) => a + b, 0);
    return {
      sent: this.#sent,
      answered: this.#answered,
      answered2xx: this.#answered2xx,
      unavailable: this.#unavailable,
      failedAccepted,
      failedAcceptedBy: { ...this.#failedBy },
      failedAtMs: this.#failedAt.map((at) => roundMs(at - fault)),
      notAccepted: this.#notAccepted,
      inFlightAtFault: this.#inFlightAtFault,
      answeredAfterFault: this.#answeredAfterFault,
      lastAnswerMs:
        this.#lastAnswerAt === undefined ? undefined : roundMs(this.#lastAnswerAt - fault),
      firstRefusedMs:
        this.#firstRefusedAt === undefined ? undefined : roundMs(this.#firstRefusedAt - fault),
      latencies: this.#latencies,
      statuses: { ...this.#statuses },
    };
  }
}

/** http-parser-js hands headers over as a flat [name, value, name, value, ...] list. */
function announcesClose(headers: readonly string[] | undefined): boolean {
  if (!headers) return false;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (headers[i]?.toLowerCase() === 'connection' && /\bclose\b/i.test(headers[i + 1] ?? '')) {
      return true;
    }
  }
  return false;
}
