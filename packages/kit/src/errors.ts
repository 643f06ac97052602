/**
 * Typed errors with stable codes. The HTTP layer turns them into RFC 9457 problem details; the
 * CLI turns them into a one-line cause. `expose` says whether `message` is safe to show a caller:
 * it is for the 4xx family, whose messages we write; never for anything we wrap.
 */
export class BulwarkError extends Error {
  readonly code: string;
  readonly status: number;
  readonly expose: boolean;

  /**
   * `expose: true` on a 5xx marks a refusal the service chose (overloaded, shutting down, a
   * circuit open) rather than a failure: its fixed message is shown, and it is logged at warn
   * without a stack, since a process shedding load should not also write a stack per request.
   */
  constructor(
    code: string,
    status: number,
    message: string,
    options?: ErrorOptions & { expose?: boolean },
  ) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.expose = options?.expose ?? status < 500;
  }
}

export class ConfigError extends BulwarkError {
  constructor(message: string, options?: ErrorOptions) {
    super('BW_CONFIG_INVALID', 500, message, options);
  }
}

export class ValidationError extends BulwarkError {
  constructor(message: string, options?: ErrorOptions) {
    super('BW_VALIDATION', 400, message, options);
  }
}

export class UnauthorizedError extends BulwarkError {
  constructor(message = 'authentication required', options?: ErrorOptions) {
    super('BW_UNAUTHORIZED', 401, message, options);
  }
}

export class ForbiddenError extends BulwarkError {
  constructor(message = 'not allowed', options?: ErrorOptions) {
    super('BW_FORBIDDEN', 403, message, options);
  }
}

export class NotFoundError extends BulwarkError {
  constructor(message = 'not found', options?: ErrorOptions) {
    super('BW_NOT_FOUND', 404, message, options);
  }
}

export class MethodNotAllowedError extends BulwarkError {
  /** The methods the path does take, for the Allow header the 405 must carry (RFC 9110). */
  readonly allow: readonly string[];

  constructor(method: string, allow: readonly string[], options?: ErrorOptions) {
    super(
      'BW_METHOD_NOT_ALLOWED',
      405,
      `${method} is not allowed on this path; it takes ${allow.join(', ')}`,
      options,
    );
    this.allow = allow;
  }
}

export class UnsupportedMediaTypeError extends BulwarkError {
  constructor(message: string, options?: ErrorOptions) {
    super('BW_UNSUPPORTED_MEDIA_TYPE', 415, message, options);
  }
}

export class JsonTooDeepError extends BulwarkError {
  readonly maxDepth: number;

  constructor(maxDepth: number, options?: ErrorOptions) {
    super(
      'BW_JSON_TOO_DEEP',
      400,
      `the request body is nested too deeply: at most ${maxDepth} levels of arrays and objects are accepted`,
      options,
    );
    this.maxDepth = maxDepth;
  }
}

export class ConflictError extends BulwarkError {
  constructor(message: string, options?: ErrorOptions) {
    super('BW_CONFLICT', 409, message, options);
  }
}

export class DependencyUnavailableError extends BulwarkError {
  constructor(message: string, options?: ErrorOptions) {
    super('BW_DEPENDENCY_UNAVAILABLE', 503, message, options);
  }
}

/** An upstream answer longer than the caller allowed (HttpRequestOptions.maxBodyBytes). */
export class ResponseTooLargeError extends BulwarkError {
  constructor(maxBytes: number, options?: ErrorOptions) {
    super(
      'BW_RESPONSE_TOO_LARGE',
      502,
      `the upstream answer is larger than ${maxBytes} bytes`,
      options,
    );
  }
}

export class ShuttingDownError extends BulwarkError {
  constructor(options?: ErrorOptions) {
    super('BW_SHUTTING_DOWN', 503, 'the service is shutting down', { ...options, expose: true });
  }
}
