import { createHash } from 'node:crypto';
import { abortedError, EmbeddingError } from './errors.js';
import { type EmbeddingsHttpClient, fetchHttpClient } from './http-client.js';
import {
  assertTexts,
  EMBEDDING_DIMENSIONS,
  type EmbeddingProvider,
  type EmbedOptions,
} from './provider.js';
import { RequestBatcher } from './request-batcher.js';
import { parseEmbeddingsResponse } from './response.js';
import { type CacheStats, VectorCache } from './vector-cache.js';

export interface OpenAiCompatibleOptions {
  /**
   * The endpoint: a base URL (`http://host:8080`, `/v1/embeddings` is appended) or the full URL
   * of the embeddings route (any URL whose path ends in `/embeddings` is used as it is).
   */
  url: string;
  model: string;
  /** Names the provider: id `openai-compatible:<role>`. Default 'cpu'. */
  role?: string;
  /** Vector size the answers must have; default 384. */
  dimensions?: number;
  /** Send `dimensions` in the request body (models that can shorten their output). Default false. */
  sendDimensions?: boolean;
  /** Sent as `Authorization: Bearer <key>`; never logged, redacted from error messages. */
  apiKey?: string;
  /** The kit's service.http (retries, breaker, timeouts); default: fetch, one attempt. */
  client?: EmbeddingsHttpClient;
  /** Per request (per attempt with the kit's client). Default 10 000. */
  timeoutMs?: number;
  /** Most texts in one request; default 64. */
  maxBatchSize?: number;
  /** How long a text waits for others to share its request; default 5 ms. */
  maxWaitMs?: number;
  /** Vectors kept by model and text (LRU); 0 turns the cache off. Default 10 000. */
  cacheSize?: number;
  /** Refuse an answer larger than this; default 64 MiB. */
  maxResponseBytes?: number;
}

export interface OpenAiCompatibleStats {
  /** Requests sent (one per batch). */
  requests: number;
  failedRequests: number;
  /** Texts sent in those requests. */
  texts: number;
  cache: CacheStats;
}

/** An OpenAI-compatible `POST /v1/embeddings` endpoint, batched and cached. */
export class OpenAiCompatibleEmbeddingProvider implements EmbeddingProvider {
  readonly id: string;
  readonly model: string;
  readonly dimensions: number;
  /** Where requests go (no credentials in it). */
  readonly url: string;
  readonly #options: OpenAiCompatibleOptions;
  readonly #client: EmbeddingsHttpClient;
  readonly #cache: VectorCache;
  readonly #batcher: RequestBatcher;
  #requests = 0;
  #failedRequests = 0;
  #texts = 0;

  constructor(options: OpenAiCompatibleOptions) {
    this.#options = options;
    this.id = `openai-compatible:${options.role ?? 'cpu'}`;
    this.model = options.model;
    this.dimensions = options.dimensions ?? EMBEDDING_DIMENSIONS;
    this.url = embeddingsUrl(options.url);
    this.#client = options.client ?? fetchHttpClient(options.timeoutMs);
    this.#cache = new VectorCache(options.cacheSize ?? 10_000);
    this.#batcher = new RequestBatcher(
      { maxBatchSize: options.maxBatchSize ?? 64, maxWaitMs: options.maxWaitMs ?? 5 },
      (texts) => this.#request(texts),
    );
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    assertTexts(this.id, texts);
    const signal = options.signal;
    if (signal?.aborted) throw abortedError(this.id, signal);
    const results = texts.map((text) => {
      const key = VectorCache.key(this.model, this.dimensions, text);
      const cached = this.#cache.get(key);
      if (cached !== undefined) return cached;
      return this.#batcher.submit(key, text, signal).then((vector) => {
        this.#cache.set(key, vector);
        return vector.slice();
      });
    });
    try {
      return await Promise.all(results);
    } catch (error) {
      if (signal?.aborted) throw abortedError(this.id, signal);
      throw error;
    }
  }

  stats(): OpenAiCompatibleStats {
    return {
      requests: this.#requests,
      failedRequests: this.#failedRequests,
      texts: this.#texts,
      cache: this.#cache.stats(),
    };
  }

  async #request(texts: string[]): Promise<Float32Array[]> {
    this.#requests++;
    this.#texts += texts.length;
    try {
      return await this.#send(texts);
    } catch (error) {
      this.#failedRequests++;
      throw error;
    }
  }

  async #send(texts: string[]): Promise<Float32Array[]> {
    const payload: Record<string, unknown> = { model: this.model, input: texts };
    if (this.#options.sendDimensions) payload.dimensions = this.dimensions;
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (this.#options.apiKey) headers.authorization = `Bearer ${this.#options.apiKey}`;
    let answer: { statusCode: number; text: string };
    try {
      const response = await this.#client.request(this.url, {
        method: 'POST',
        headers,
        body,
        timeoutMs: this.#options.timeoutMs ?? 10_000,
        idempotencyKey: `emb-${createHash('sha256').update(body).digest('hex').slice(0, 32)}`,
        maxBodyBytes: this.#options.maxResponseBytes ?? 64 * 1024 * 1024,
      });
      answer = { statusCode: response.statusCode, text: await response.text() };
    } catch (error) {
      throw new EmbeddingError(
        'BW_EMBEDDINGS_UNREACHABLE',
        `${this.id}: ${this.url}: ${this.#redact(describe(error))}`,
        { provider: this.id, cause: error },
      );
    }
    if (answer.statusCode < 200 || answer.statusCode > 299) {
      const snippet = this.#redact(answer.text.replace(/\s+/g, ' ').trim().slice(0, 200));
      throw new EmbeddingStatusError(
        this.id,
        answer.statusCode,
        `${this.id}: ${this.url} answered ${answer.statusCode}${snippet ? `: ${snippet}` : ''}`,
      );
    }
    return parseEmbeddingsResponse(this.id, answer.text, texts.length, this.dimensions);
  }

  /** Whatever an endpoint or a socket error says, the key does not reach a message. */
  #redact(text: string): string {
    const key = this.#options.apiKey;
    return key ? text.split(key).join('[redacted]') : text;
  }
}

/** A non-2xx answer, with its status for callers that treat 4xx and 5xx apart. */
export class EmbeddingStatusError extends EmbeddingError {
  readonly status: number;
  constructor(provider: string, status: number, message: string) {
    super('BW_EMBEDDINGS_STATUS', message, { provider });
    this.status = status;
  }
}

/** `/v1/embeddings` under a base URL, or the URL itself when it already names the route. */
export function embeddingsUrl(configured: string): string {
  const url = new URL(configured);
  if (url.username || url.password) {
    throw new EmbeddingError(
      'BW_EMBEDDINGS_CONFIG',
      'an embeddings URL must not carry credentials; use BULWARK_EMBEDDINGS_API_KEY_FILE',
    );
  }
  if (/\/embeddings\/?$/.test(url.pathname)) return url.toString();
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/embeddings`;
  return url.toString();
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const code =
    (error as { code?: unknown }).code ?? (cause as { code?: unknown } | undefined)?.code;
  const detail =
    cause instanceof Error && cause.message !== error.message ? `: ${cause.message}` : '';
  return `${error.message}${detail}${typeof code === 'string' ? ` (${code})` : ''}`.replace(
    /\s+/g,
    ' ',
  );
}
