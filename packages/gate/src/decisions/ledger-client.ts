import type { Pool } from 'undici';
import { undici } from '../undici-on-use.js';
import {
  LedgerRefusedError,
  LedgerStreamMovedError,
  LedgerUnreachableError,
} from './ledger-client-errors.js';
import { OUTBOX_SEQ_KEY, type OutboxRecord } from './outbox-line.js';

export interface LedgerBatchClientOptions {
  /** The ledger service's base URL, e.g. http://127.0.0.1:8081. */
  readonly url: string;
  /** Whole-request deadline: connect, send, headers and body (default 10 s). */
  readonly timeoutMs?: number;
  /** Keep-alive connections held to the ledger (default 2: one sending, one asking). */
  readonly connections?: number;
}

/** What POST /v1/ledger/batches answers: the ledger seqs of the batch's first and last entries. */
export interface BatchReceipt {
  readonly first: number;
  readonly last: number;
  readonly lastEntryHash: string;
}

/** The newest entry of a stream, as GET /v1/ledger/streams/:stream/last answers it. */
export interface StreamTail {
  readonly seq: number;
  readonly time: string;
  readonly stream: string;
  readonly kind: string;
  readonly actor: string;
  readonly payload: unknown;
  readonly entryHash: string;
}

export interface AppendBatchOptions {
  /**
   * Append only if the stream's newest entry has this ledger seq (0: the stream is empty);
   * otherwise LedgerStreamMovedError and nothing lands.
   */
  readonly ifLastSeq?: number;
  readonly signal?: AbortSignal;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * The ledger service's batch and stream-tail endpoints over one undici keep-alive pool, closed
 * by close(). Failures are typed by what to do next: LedgerUnreachableError (retry; a batch may
 * have landed), LedgerStreamMovedError (re-read the tail), LedgerRefusedError (a 4xx: the same
 * request will be refused again).
 */
export class LedgerBatchClient {
  readonly #pool: Pool;
  readonly #timeoutMs: number;
  readonly #origin: string;

  constructor(options: LedgerBatchClientOptions) {
    const url = new URL(options.url);
    this.#origin = url.origin;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#pool = new (undici().Pool)(url.origin, {
      connections: options.connections ?? 2,
      keepAliveTimeout: 10_000,
      connect: { timeout: Math.min(this.#timeoutMs, 5_000) },
    });
  }

  /**
   * Appends the records to `stream` as one batch, in order, each as
   * `{ stream, kind, actor, payload: { ...payload, outboxSeq: n } }`.
   */
  async appendBatch(
    stream: string,
    records: readonly OutboxRecord[],
    options: AppendBatchOptions = {},
  ): Promise<BatchReceipt> {
    const entries = records.map((r) => ({
      stream,
      kind: r.kind,
      actor: r.actor,
      payload: { ...r.payload, [OUTBOX_SEQ_KEY]: r.n },
    }));
    const body = JSON.stringify({
      entries,
      ...(options.ifLastSeq === undefined ? {} : { ifLastSeq: options.ifLastSeq }),
    });
    const answer = await this.#call('POST', '/v1/ledger/batches', body, options.signal);
    if (answer.status === 409) {
      throw new LedgerStreamMovedError(
        `the ledger did not append the batch: ${problemDetail(answer.body) ?? 'stream moved'}`,
      );
    }
    this.#refuseClientErrors('POST /v1/ledger/batches', answer);
    const receipt = answer.body as Partial<BatchReceipt> | undefined;
    if (
      answer.status !== 201 ||
      !Number.isSafeInteger(receipt?.first) ||
      !Number.isSafeInteger(receipt?.last) ||
      typeof receipt?.lastEntryHash !== 'string'
    ) {
      throw new LedgerUnreachableError(
        `POST /v1/ledger/batches answered ${answer.status} without a receipt`,
      );
    }
    return receipt as BatchReceipt;
  }

  /** The newest entry of `stream`, or undefined when it has none. */
  async lastOfStream(
    stream: string,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<StreamTail | undefined> {
    const path = `/v1/ledger/streams/${encodeURIComponent(stream)}/last`;
    const answer = await this.#call('GET', path, undefined, options.signal);
    if (answer.status === 404) return undefined;
    this.#refuseClientErrors(`GET ${path}`, answer);
    const tail = answer.body as Partial<StreamTail> | undefined;
    if (answer.status !== 200 || !Number.isSafeInteger(tail?.seq) || tail?.stream !== stream) {
      throw new LedgerUnreachableError(`GET ${path} answered ${answer.status} without an entry`);
    }
    return tail as StreamTail;
  }

  /** Closes the pool's connections (after any request in flight). */
  async close(): Promise<void> {
    await this.#pool.close();
  }

  async #call(
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Answer> {
    const deadline = AbortSignal.timeout(this.#timeoutMs);
    try {
      const response = await this.#pool.request({
        method,
        path,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body,
        signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
      });
      const text = await response.body.text();
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: response.statusCode, body: parsed };
    } catch (cause) {
      const code = (cause as { code?: unknown; name?: unknown }).code ?? (cause as Error).name;
      throw new LedgerUnreachableError(
        `${method} ${this.#origin}${path} failed: ${String(code)} ${(cause as Error).message}`,
        { cause },
      );
    }
  }

  /**
   * 4xx means the ledger will refuse this again, except 408 and 429 (try later), which are
   * left, with 5xx, to the caller's "unreachable" handling.
   */
  #refuseClientErrors(what: string, answer: Answer): void {
    const { status } = answer;
    if (status === 408 || status === 429) {
      throw new LedgerUnreachableError(`${what} answered ${status}: try later`);
    }
    if (status >= 500) {
      throw new LedgerUnreachableError(
        `${what} answered ${status}: ${problemDetail(answer.body) ?? 'server error'}`,
      );
    }
    if (status >= 400) {
      const problemCode = (answer.body as { code?: unknown } | undefined)?.code;
      throw new LedgerRefusedError(
        status,
        typeof problemCode === 'string' ? problemCode : undefined,
        `${what} was refused (${status}${typeof problemCode === 'string' ? ` ${problemCode}` : ''}): ${problemDetail(answer.body) ?? 'no detail'}`,
      );
    }
  }
}

function problemDetail(body: unknown): string | undefined {
  const detail = (body as { detail?: unknown } | undefined)?.detail;
  return typeof detail === 'string' ? detail : undefined;
}
