import { BulwarkError } from '../errors.js';

/*
 * Errors of a process asking for its own document (service.openapi(), the dump mode of
 * runService). Neither is ever an HTTP answer: the status is only BulwarkError's required field.
 */

/** The document was asked for, but `openapi.enabled` is false (BULWARK_OPENAPI=false). */
export class OpenApiDisabledError extends BulwarkError {
  constructor(options?: ErrorOptions) {
    super(
      'BW_OPENAPI_DISABLED',
      500,
      'this service does not generate an OpenAPI document: openapi.enabled is false (BULWARK_OPENAPI)',
      options,
    );
  }
}

/** BULWARK_OPENAPI_OUT was set for a worker, which has no HTTP API to describe. */
export class NoHttpApiError extends BulwarkError {
  constructor(name: string, options?: ErrorOptions) {
    super(
      'BW_OPENAPI_NO_HTTP_API',
      500,
      `${name} is a worker: it has no HTTP API, so there is no OpenAPI document to write (unset BULWARK_OPENAPI_OUT)`,
      options,
    );
  }
}
