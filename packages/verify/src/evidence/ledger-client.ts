import type { request } from 'undici';
import { undici } from '../undici-on-use.js';
import { LedgerQueryError } from './errors.js';

/** What the ledger service answers (services/ledger/src/routes/ledger.ts). */
export interface LedgerAppendAnswer {
  readonly seq: number;
  readonly entryHash: string;
  readonly time: string;
}

export interface LedgerEntryJson {
  readonly seq: number;
  readonly time: string;
  readonly stream: string;
  readonly kind: string;
  readonly actor: string;
  readonly payload: unknown;
  readonly payloadHash: string;
  readonly prevHash: string;
  readonly entryHash: string;
}

export interface LedgerCheckpointJson {
  readonly id: number;
  readonly origin: string;
  readonly size: number;
  readonly root: string;
  readonly note: string;
}

export interface LedgerInclusionJson {
  readonly seq: number;
  readonly treeSize: number;
  readonly leafHash: string;
  readonly proof: string[];
  readonly root: string;
}

/** One answer: its status and JSON body (undefined when empty; problem+json for errors). */
export interface LedgerAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** Ledger answers are a few KiB; anything past this is not a ledger talking. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;
export const DEFAULT_LEDGER_TIMEOUT_MS = 10_000;

/**
 * The few ledger service calls evidence needs, over undici with a deadline on every request.
 * Transport failures and non-JSON answers are LedgerQueryError; HTTP error statuses are returned
 * to the caller, which knows whether a 404 means "not included" or a broken request.
 */
export class LedgerClient {
  readonly url: string;
  readonly #timeoutMs: number;

  constructor(url: string, options: { timeoutMs?: number } = {}) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new LedgerQueryError(`ledger URL ${JSON.stringify(url)} is not a URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new LedgerQueryError(`ledger URL ${url} is not http(s)`);
    }
    this.url = url.replace(/\/+$/, '');
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_LEDGER_TIMEOUT_MS;
  }

  append(entry: {
    stream: string;
    kind: string;
    actor: string;
    payload: unknown;
  }): Promise<LedgerAnswer> {
    return this.#call('POST', '/v1/ledger/entries', entry);
  }

  /** Asks the ledger to sign a checkpoint of its head now (it also does so on its own clock). */
  checkpointNow(): Promise<LedgerAnswer> {
    return this.#call('POST', '/v1/ledger/checkpoints');
  }

  entryAt(seq: number): Promise<LedgerAnswer> {
    return this.#call('GET', `/v1/ledger/entries?from=${seq}&limit=1`);
  }

  checkpoints(): Promise<LedgerAnswer> {
    return this.#call('GET', '/v1/ledger/checkpoints');
  }

  inclusionProof(seq: number, treeSize: number): Promise<LedgerAnswer> {
    return this.#call('GET', `/v1/ledger/proofs/inclusion?seq=${seq}&treeSize=${treeSize}`);
  }

  async #call(method: 'GET' | 'POST', path: string, json?: unknown): Promise<LedgerAnswer> {
    const target = `${this.url}${path}`;
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await undici().request(target, {
        method,
        headers: {
          accept: 'application/json, application/problem+json',
          ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new LedgerQueryError(
        `ledger ${this.url} did not answer ${method} ${path}: ${causeOf(error)}`,
      );
    }
    let text: string;
    try {
      text = await readCapped(response.body);
    } catch (error) {
      throw new LedgerQueryError(
        `ledger ${this.url}: reading the answer to ${method} ${path} failed: ${causeOf(error)}`,
      );
    }
    if (text.trim() === '') return { status: response.statusCode, body: undefined };
    try {
      return { status: response.statusCode, body: JSON.parse(text) as unknown };
    } catch {
      throw new LedgerQueryError(
        `ledger ${this.url} answered ${method} ${path} with ${response.statusCode} and a body that is not JSON`,
      );
    }
  }
}

/** One line for an error answer: the problem+json detail or title when there is one. */
export function describeAnswer(answer: LedgerAnswer): string {
  const problem = answer.body as { title?: unknown; detail?: unknown } | undefined;
  const text =
    typeof problem?.detail === 'string'
      ? problem.detail
      : typeof problem?.title === 'string'
        ? problem.title
        : '';
  return `HTTP ${answer.status}${text ? `: ${text.split('\n')[0]}` : ''}`;
}

async function readCapped(body: AsyncIterable<Uint8Array> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES) {
      body.destroy();
      throw new Error(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function causeOf(error: unknown): string {
  const e = error as {
    code?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  const code = e.cause?.code ?? e.code;
  const message = (e.cause?.message ?? e.message ?? String(error)).split('\n')[0] ?? '';
  return code && !message.includes(code) ? `${message} (${code})` : message;
}
