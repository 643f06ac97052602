import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Agent, Dispatcher } from 'undici';
import { undici } from '../../undici-on-use.js';

/**
 * A steady stream of requests at a fixed interval (open loop: the next one leaves on time
 * whether or not the last was answered, as users' requests do), kept up through a fault. Each
 * request's outcome is recorded: the status, or why there was no answer. Its own connection
 * pool, so a request hanging on a dying process does not hold up the next one.
 */

export interface StreamRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface StreamOutcome {
  /** The request's number in the stream, from 0. */
  readonly n: number;
  readonly sentAt: number;
  readonly answeredAt: number;
  /** Undefined when there was no answer. */
  readonly status?: number;
  /** Why there was no answer: ECONNREFUSED, ECONNRESET, timeout, ... */
  readonly failure?: string;
  /** The answer's body (cut at BODY_LIMIT), when the stream keeps bodies. */
  readonly body?: string;
}

export interface RequestStreamOptions {
  readonly intervalMs: number;
  /** Deadline of each request. */
  readonly timeoutMs: number;
  /** Requests in flight at most; a tick that finds this many sends nothing (counted as skipped). */
  readonly maxInFlight: number;
  /** The most requests the stream ever sends: a bound on memory for long drills. */
  readonly maxRequests: number;
  readonly keepBodies: boolean;
  readonly signal: AbortSignal;
  readonly next: (n: number) => StreamRequest;
}

const BODY_LIMIT = 65_536;

export class RequestStream {
  readonly #options: RequestStreamOptions;
  readonly #agent: Agent;
  readonly #outcomes: StreamOutcome[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;
  #sent = 0;
  #skipped = 0;

  constructor(options: RequestStreamOptions) {
    this.#options = options;
    this.#agent = new (undici().Agent)({ connections: options.maxInFlight, pipelining: 1 });
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async #run(): Promise<void> {
    const stop = AbortSignal.any([this.#stop.signal, this.#options.signal]);
    const started = performance.now();
    while (!stop.aborted && this.#sent < this.#options.maxRequests) {
      if (this.#inFlight.size >= this.#options.maxInFlight) {
        this.#skipped++;
      } else {
        const n = this.#sent++;
        const pending = this.#send(n, this.#options.next(n));
        this.#inFlight.add(pending);
        void pending.finally(() => this.#inFlight.delete(pending));
      }
      // Ticks are kept on a fixed schedule from the start, so slow answers do not stretch it.
      const nextAt = started + (this.#sent + this.#skipped) * this.#options.intervalMs;
      await sleep(Math.max(0, nextAt - performance.now()), undefined, { signal: stop }).catch(
        () => undefined,
      );
    }
  }

  async #send(n: number, req: StreamRequest): Promise<void> {
    const sentAt = performance.now();
    const signal = AbortSignal.any([
      AbortSignal.timeout(this.#options.timeoutMs),
      this.#options.signal,
    ]);
    try {
      const response = await undici().request(req.url, {
        method: req.method as Dispatcher.HttpMethod,
        ...(req.headers ? { headers: { ...req.headers } } : {}),
        ...(req.body === undefined ? {} : { body: req.body }),
        dispatcher: this.#agent,
        signal,
      });
      const text = await response.body.text();
      this.#outcomes.push({
        n,
        sentAt,
        answeredAt: performance.now(),
        status: response.statusCode,
        ...(this.#options.keepBodies ? { body: text.slice(0, BODY_LIMIT) } : {}),
      });
    } catch (error) {
      this.#outcomes.push({ n, sentAt, answeredAt: performance.now(), failure: causeOf(error) });
    }
  }

  /** Requests sent so far. */
  get sent(): number {
    return this.#sent;
  }

  /** Ticks that found `maxInFlight` requests unanswered and sent nothing. */
  get skipped(): number {
    return this.#skipped;
  }

  /** Outcomes so far, in the order they completed. */
  get outcomes(): readonly StreamOutcome[] {
    return this.#outcomes;
  }

  /** Stops sending, lets every request in flight finish (each within its deadline), closes. */
  async stop(): Promise<readonly StreamOutcome[]> {
    this.#stop.abort();
    await this.#loop;
    await Promise.all([...this.#inFlight]);
    await this.#agent.destroy().catch(() => undefined);
    return [...this.#outcomes].sort((a, b) => a.n - b.n);
  }
}

function causeOf(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return 'timeout';
  const code = (error as { code?: unknown; cause?: { code?: unknown } } | null)?.code;
  if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  if (typeof cause === 'string') return cause;
  return typeof code === 'string' ? 'socket closed' : 'network error';
}
