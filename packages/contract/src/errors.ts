/**
 * Errors the contract package throws for input it cannot work with. Each has a stable code and a
 * one-line message naming the file and the cause; the CLI prints it and exits 2. A diff that
 * finds breaking changes does not throw: it returns a failing ContractDiff.
 */
export type ContractErrorCode =
  /** Missing, unreadable or too large file. */
  | 'BW_CONTRACT_UNREADABLE'
  /** Not JSON or YAML, or no `openapi` field. */
  | 'BW_CONTRACT_NOT_OPENAPI'
  /** Swagger 2.0, or an `openapi` version other than 3.0.x and 3.1.x. */
  | 'BW_CONTRACT_UNSUPPORTED_VERSION'
  /** A `$ref` that cannot be resolved. */
  | 'BW_CONTRACT_BAD_REF'
  /** Fails OpenAPI schema validation (only asked for with `validate: true`). */
  | 'BW_CONTRACT_INVALID'
  /** A bad level override or configuration. */
  | 'BW_CONTRACT_CONFIG';

export class ContractError extends Error {
  readonly code: ContractErrorCode;
  constructor(code: ContractErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ContractError';
    this.code = code;
  }
}
