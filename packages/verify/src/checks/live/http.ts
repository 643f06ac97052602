import { isUtf8 } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import type { Agent, Dispatcher } from 'undici';
import { undici } from '../../undici-on-use.js';

/** What a probe request produced: an HTTP answer, or the reason there was none. */
export type Exchange = Answer | Failure;

export interface Answer {
  readonly kind: 'answer';
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Decoded as UTF-8; invalid sequences become U+FFFD (see `utf8`). */
  readonly body: string;
  /** False when the body was not valid UTF-8. */
  readonly utf8: boolean;
  /** From sending the request to the last byte of the body. */
  readonly ms: number;
}

/**
 * Why a request got no usable answer: nothing speaking HTTP is there (see UNREACHABLE), or an
 * HTTP server answered too slowly or too much (`timeout`, `too-large`). `no-answer` is the
 * deadline passing before any HTTP response line: as the first exchange, the target is unreachable
 * (a wedged process, a port-forward to nothing); later, it is a failing check.
 */
export type FailureCause =
  | 'refused'
  | 'dns'
  | 'connect-timeout'
  | 'not-http'
  | 'closed'
  | 'tls'
  | 'network'
  | 'no-answer'
  | 'timeout'
  | 'too-large'
  | 'aborted';

export interface Failure {
  readonly kind: 'failure';
  readonly cause: FailureCause;
  /** One line, fit for a table cell and for stderr. */
  readonly message: string;
}

/** Causes that mean no HTTP server is there at all: the probe exits 2, not 1. */
const UNREACHABLE: ReadonlySet<FailureCause> = new Set([
  'refused',
  'dns',
  'connect-timeout',
  'not-http',
  'closed',
  'tls',
  'network',
  'no-answer',
]);

/** True when the failure says no HTTP server is there at all, rather than a bad answer. */
export function isUnreachable(failure: Failure): boolean {
  return UNREACHABLE.has(failure.cause);
}

/**
 * Whom an https target's certificate must chain to, and the name it must carry. Verification is
 * never turned off: a private CA is trusted instead of the system roots, never "anything".
 */
export interface TlsTrust {
  /** PEM certificates: the CAs trusted for this target, in place of the system roots. */
  readonly ca?: string;
  /** The name the certificate must carry (and the SNI sent), when the URL's host is not it. */
  readonly serverName?: string;
}

/** How a client reaches one service: the TLS trust, and the credentials it may send. */
export interface ClientAccess {
  readonly tls?: TlsTrust;
  /**
   * Headers that authenticate a request (`x-api-key`, `authorization`). Secret: they go on the
   * wire only, never into an answer, an evidence record or a message.
   */
  readonly credentials?: Readonly<Record<string, string>>;
  /**
   * Which URLs get `credentials` when a request does not say (`RequestOptions.credentials`):
   * the contract's probe endpoints stay anonymous, since the kit never authenticates them.
   */
  readonly sendsCredentials?: (url: URL) => boolean;
}

export interface HttpProbeClientOptions extends ClientAccess {
  /** Whole-request budget: connect, headers and body together. */
  readonly timeoutMs: number;
  /** Parallel connections to one origin; 1 (the default) queues requests on one connection. */
  readonly connections?: number;
}

export interface GetOptions {
  readonly headers?: Record<string, string>;
  /**
   * `service`: add the client's credentials; `none`: send none (an unauthenticated request, or
   * one carrying deliberately wrong credentials in `headers`). By default the client's
   * `sendsCredentials` decides by URL.
   */
  readonly credentials?: 'service' | 'none';
  /** Bodies past this are abandoned, so a runaway endpoint cannot exhaust memory. */
  readonly maxBodyBytes: number;
  /** Ends the exchange early (Ctrl-C, the run's deadline); reported as `aborted`. */
  readonly signal?: AbortSignal;
}

export interface RequestOptions extends GetOptions {
  /** Any method, including ones a server does not implement (to provoke a 405 or 501). */
  readonly method: string;
  readonly body?: string | Uint8Array;
}

/** Lets `forService` hand a derived client its parent's pool without a public option. */
const POOL = Symbol('pool');
interface PooledOptions extends HttpProbeClientOptions {
  readonly [POOL]?: { readonly agent: Agent; readonly owner: HttpProbeClient };
}

/**
 * One keep-alive connection pool per probe run (and per `bulwark verify` run, shared by its
 * checks). Every request has one deadline for the whole
 * exchange (undici's own headers and body timeouts are idle timeouts, which a server dripping
 * one byte a second would never trip).
 */
export class HttpProbeClient {
  readonly #agent: Agent;
  readonly #timeoutMs: number;
  readonly #credentials: Readonly<Record<string, string>>;
  readonly #sendsCredentials: (url: URL) => boolean;
  /** Pools of the services `forService` derived, by trust; this client closes them. */
  readonly #trustAgents = new Map<string, Agent>();
  /** A client from `forService` shares its parent's pools and leaves closing them to it. */
  readonly #owner: HttpProbeClient | undefined;

  constructor(options: HttpProbeClientOptions) {
    const pool = (options as PooledOptions)[POOL];
    this.#timeoutMs = options.timeoutMs;
    this.#agent = pool?.agent ?? createAgent(options.timeoutMs, options.tls, options.connections);
    this.#owner = pool?.owner;
    this.#credentials = options.credentials ?? {};
    this.#sendsCredentials = options.sendsCredentials ?? (() => true);
  }

  /** The per-request deadline this client was made with. */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /** True when this client holds credentials to send. */
  get hasCredentials(): boolean {
    return Object.keys(this.#credentials).length > 0;
  }

  /**
   * A client for one service: its TLS trust and credentials, on this client's deadline. Services
   * that trust the same CA share one pool; the derived client is closed with this one.
   */
  forService(access: ClientAccess): HttpProbeClient {
    const root = this.#owner ?? this;
    const { tls } = access;
    let agent = root.#agent;
    if (tls?.ca !== undefined || tls?.serverName !== undefined) {
      const key = JSON.stringify([tls.ca ?? null, tls.serverName ?? null]);
      agent = root.#trustAgents.get(key) ?? createAgent(this.#timeoutMs, tls);
      root.#trustAgents.set(key, agent);
    }
    const options: PooledOptions = {
      timeoutMs: this.#timeoutMs,
      ...access,
      [POOL]: { agent, owner: root },
    };
    return new HttpProbeClient(options);
  }

  get(url: URL, options: GetOptions): Promise<Exchange> {
    return this.request(url, { ...options, method: 'GET' });
  }

  async request(url: URL, options: RequestOptions): Promise<Exchange> {
    if (options.signal?.aborted) return failure('aborted', 'aborted before the request was sent');
    const started = performance.now();
    const deadline = AbortSignal.timeout(this.#timeoutMs);
    const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
    let answered = false;
    try {
      const response = await undici().request(url, {
        method: options.method as Dispatcher.HttpMethod,
        headers: this.#headersFor(url, options),
        ...(options.body === undefined ? {} : { body: options.body }),
        dispatcher: this.#agent,
        signal,
      });
      answered = true;
      const bytes = await readCapped(response, options.maxBodyBytes);
      if (bytes === undefined) {
        response.body.destroy();
        return failure('too-large', `body larger than ${formatBytes(options.maxBodyBytes)}`);
      }
      const ms = performance.now() - started;
      const body = new TextDecoder('utf-8').decode(bytes);
      const utf8 = isUtf8(bytes);
      return {
        kind: 'answer',
        status: response.statusCode,
        headers: response.headers,
        body,
        utf8,
        ms,
      };
    } catch (error) {
      if (options.signal?.aborted) return failure('aborted', 'aborted');
      const failed = classify(error, this.#timeoutMs);
      // undici resolves `request` once the status line and headers are in.
      return failed.cause === 'timeout' && !answered
        ? failure('no-answer', `no HTTP answer within ${this.#timeoutMs} ms`)
        : failed;
    }
  }

  /** Drops every connection at once: a silent server must not hold the process open. */
  async close(): Promise<void> {
    if (this.#owner !== undefined) return;
    const agents = [this.#agent, ...this.#trustAgents.values()];
    this.#trustAgents.clear();
    await Promise.all(agents.map((agent) => agent.destroy().catch(() => undefined)));
  }

  #headersFor(url: URL, options: GetOptions): Record<string, string> | undefined {
    const send =
      options.credentials === undefined
        ? this.#sendsCredentials(url)
        : options.credentials === 'service';
    if (!send || !this.hasCredentials) return options.headers;
    return { ...options.headers, ...this.#credentials };
  }
}

/**
 * A pool with the whole-request deadline as its connect timeout. With a TLS trust, the connector
 * is wrapped so the configured server name wins over the URL's host (undici otherwise derives
 * SNI and the name it verifies from the URL).
 */
function createAgent(timeoutMs: number, trust: TlsTrust | undefined, connections = 1): Agent {
  const { Agent: UndiciAgent, buildConnector } = undici();
  const connector =
    trust === undefined
      ? undefined
      : buildConnector({
          timeout: timeoutMs,
          ...(trust.ca === undefined ? {} : { ca: trust.ca }),
        });
  return new UndiciAgent({
    connect:
      connector === undefined
        ? { timeout: timeoutMs }
        : (options, callback) =>
            connector(
              trust?.serverName === undefined
                ? options
                : { ...options, servername: trust.serverName },
              callback,
            ),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connections,
    pipelining: 1,
  });
}

/**
 * The body, or undefined past `maxBytes`. A declared length within the cap is read in one call
 * (undici fails a body that does not match its Content-Length); only a body of unknown or
 * excessive length is read chunk by chunk, counting, which costs about 30 µs more a request.
 */
async function readCapped(
  response: Dispatcher.ResponseData,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  const declared = Number(response.headers['content-length']);
  if (Number.isSafeInteger(declared) && declared <= maxBytes) {
    return new Uint8Array(await response.body.arrayBuffer());
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    if (total > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

function failure(cause: FailureCause, message: string): Failure {
  return { kind: 'failure', cause, message };
}

/** Maps undici's and the network stack's errors to one cause and a one-line message. */
function classify(error: unknown, timeoutMs: number): Failure {
  const code = (error as { code?: unknown } | null)?.code;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return failure('timeout', `no complete answer within ${timeoutMs} ms`);
  }
  const { errors } = undici();
  if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) {
    return failure('timeout', `no complete answer within ${timeoutMs} ms`);
  }
  if (error instanceof errors.ConnectTimeoutError) {
    return failure('connect-timeout', `could not connect within ${timeoutMs} ms`);
  }
  if (error instanceof errors.HTTPParserError) {
    return failure('not-http', 'not HTTP: the reply does not follow HTTP/1.1');
  }
  if (error instanceof errors.SocketError) {
    return failure('closed', 'the server closed the connection without an HTTP answer');
  }
  switch (code) {
    case 'ECONNREFUSED':
      return failure('refused', 'connection refused');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return failure('dns', `host name not found (${code})`);
    case 'ECONNRESET':
    case 'EPIPE':
      return failure('closed', 'the connection was reset before an HTTP answer');
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return failure('network', `network unreachable (${code})`);
  }
  if (
    typeof code === 'string' &&
    /^(ERR_SSL|ERR_TLS|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED)/.test(code)
  ) {
    return failure('tls', `TLS failed (${code})`);
  }
  const message = error instanceof Error ? error.message : String(error);
  return failure('network', `request failed: ${message.split('\n')[0]}`);
}

function formatBytes(bytes: number): string {
  return bytes >= 1_048_576 ? `${bytes / 1_048_576} MiB` : `${bytes / 1024} KiB`;
}
