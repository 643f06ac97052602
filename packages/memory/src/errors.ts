/** Typed memory errors with stable codes; memu-core maps them to problem+json statuses. */
export class MemoryError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The caller's input cannot become a memory or a query (wrong dimension, empty namespace…). */
export class MemoryInputError extends MemoryError {
  constructor(message: string) {
    super('BW_MEMORY_INVALID_INPUT', message);
  }
}

/** No memory has that id. */
export class MemoryNotFoundError extends MemoryError {
  constructor(id: string) {
    super('BW_MEMORY_NOT_FOUND', `no memory with id ${id}`);
  }
}

/** The memory cannot change that way any more: already superseded, or forgotten. */
export class MemoryConflictError extends MemoryError {
  constructor(message: string) {
    super('BW_MEMORY_CONFLICT', message);
  }
}

/** The namespace is under legal hold: nothing in it may be deleted. */
export class MemoryLegalHoldError extends MemoryError {
  constructor(namespace: string) {
    super('BW_MEMORY_LEGAL_HOLD', `namespace ${namespace} is under legal hold: nothing is deleted`);
  }
}

/** Text search was asked of a store that was given no EmbeddingProvider. */
export class MemoryNoEmbeddingsError extends MemoryError {
  constructor() {
    super('BW_MEMORY_NO_EMBEDDINGS', 'text search needs an EmbeddingProvider; none was configured');
  }
}
