/**
 * Typed embedding errors with stable codes. Messages are one line and never carry the API key:
 * a provider redacts it from anything the endpoint echoes before it reaches a message.
 */
export type EmbeddingErrorCode =
  /** A configuration value (environment variable or option) is invalid. */
  | 'BW_EMBEDDINGS_CONFIG'
  /** The caller's input is not a list of strings. */
  | 'BW_EMBEDDINGS_INPUT'
  /** The endpoint could not be reached, or did not answer in time. */
  | 'BW_EMBEDDINGS_UNREACHABLE'
  /** The endpoint answered with a status other than 2xx. */
  | 'BW_EMBEDDINGS_STATUS'
  /** The answer is not an embeddings response: not JSON, no data[], wrong count or indexes. */
  | 'BW_EMBEDDINGS_BAD_RESPONSE'
  /** A vector has the wrong number of dimensions. */
  | 'BW_EMBEDDINGS_DIMENSION'
  /** A vector holds NaN, Infinity or something that is not a number. */
  | 'BW_EMBEDDINGS_NOT_FINITE'
  /** The caller's signal aborted the call. */
  | 'BW_EMBEDDINGS_ABORTED'
  /** The GPU endpoint is cooling down after a failure (the router then serves the CPU one). */
  | 'BW_EMBEDDINGS_COOLING_DOWN';

export class EmbeddingError extends Error {
  readonly code: EmbeddingErrorCode;
  /** The provider's id ('openai-compatible:gpu', ...), when the error is about one. */
  readonly provider: string | undefined;
  constructor(
    code: EmbeddingErrorCode,
    message: string,
    options?: ErrorOptions & { provider?: string },
  ) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.provider = options?.provider;
  }
}

/** A bad environment variable or option: the message names it and says what is allowed. */
export class EmbeddingsConfigError extends EmbeddingError {
  constructor(message: string) {
    super('BW_EMBEDDINGS_CONFIG', message);
  }
}

export function abortedError(provider: string, signal: AbortSignal): EmbeddingError {
  return new EmbeddingError('BW_EMBEDDINGS_ABORTED', `${provider}: embedding call aborted`, {
    provider,
    cause: signal.reason,
  });
}
