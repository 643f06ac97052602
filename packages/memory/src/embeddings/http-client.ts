/**
 * The HTTP client an endpoint provider sends through, as a structural type: the kit's
 * `HttpClient` (service.http: per-origin timeout, retries with a budget, circuit breaker,
 * bulkhead, trace propagation) fits it as it is, so @bulwark/memory needs no run-time import of
 * the kit. Without one, `fetchHttpClient` (Node's built-in fetch, which is undici) sends each
 * request once.
 */
export interface EmbeddingsHttpRequest {
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * The kit retries a POST only when it carries an idempotency key. Embedding the same texts
   * twice is harmless, so the provider sends one (derived from the body) to allow retries.
   */
  idempotencyKey?: string;
  /** Refuse an answer longer than this instead of buffering it. */
  maxBodyBytes?: number;
}

export interface EmbeddingsHttpResponse {
  statusCode: number;
  text(): Promise<string>;
}

export interface EmbeddingsHttpClient {
  request(url: string, options: EmbeddingsHttpRequest): Promise<EmbeddingsHttpResponse>;
}

/** Thrown by fetchHttpClient when an answer exceeds maxBodyBytes. */
export class ResponseTooLargeError extends Error {
  readonly code = 'BW_EMBEDDINGS_RESPONSE_TOO_LARGE';
}

/** One attempt per request through the global fetch, bounded by timeoutMs and maxBodyBytes. */
export function fetchHttpClient(defaultTimeoutMs = 10_000): EmbeddingsHttpClient {
  return {
    async request(url, options) {
      const timeout = AbortSignal.timeout(options.timeoutMs ?? defaultTimeoutMs);
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      const headers =
        options.idempotencyKey === undefined
          ? options.headers
          : { ...options.headers, 'idempotency-key': options.idempotencyKey };
      const response = await fetch(url, {
        method: options.method,
        headers,
        body: options.body,
        signal,
      });
      const body = readCapped(response, options.maxBodyBytes);
      body.catch(() => undefined);
      return { statusCode: response.status, text: () => body };
    },
  };
}

async function readCapped(response: Response, maxBytes: number | undefined): Promise<string> {
  if (maxBytes === undefined || response.body === null) return response.text();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new ResponseTooLargeError(`the answer is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
