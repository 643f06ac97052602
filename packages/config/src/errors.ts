/** Stable codes of every error @bulwark/config throws; the CLI and the registry map them. */
export type ConfigErrorCode =
  /** A document fails its schema; `path` names where (a JSON pointer). */
  | 'CONFIG_INVALID'
  /** A field that holds a secret has a literal value instead of a `${secret:name}` reference. */
  | 'CONFIG_LITERAL_SECRET'
  /** No schema of that name, or not at that version. */
  | 'CONFIG_UNKNOWN_SCHEMA'
  /** A file, overlay or environment value cannot be read or parsed. */
  | 'CONFIG_SOURCE_UNREADABLE'
  /** A `${secret:name}` reference does not resolve at apply time. */
  | 'CONFIG_SECRET_UNRESOLVED'
  /** The transport is closed, or its server refused or dropped a message. */
  | 'CONFIG_TRANSPORT_CLOSED'
  | 'CONFIG_TRANSPORT_FAILED'
  /** A rollout is already running for this config; one at a time. */
  | 'CONFIG_ROLLOUT_CONFLICT'
  /**
   * A rollout that cannot run as asked: to the version the instances already run, a revert to
   * a version that is not earlier, no instance known, or a stage plan that does not fit.
   */
  | 'CONFIG_ROLLOUT_INVALID'
  /** No such config, version or rollout. */
  | 'CONFIG_NOT_FOUND'
  /** A config name or instance id breaks the naming rules (it would become a subject or key). */
  | 'CONFIG_BAD_NAME';

/** Every error of this package: a stable code, a one-line message, and where it applies a path. */
export class ConfigRegistryError extends Error {
  readonly code: ConfigErrorCode;
  /** A JSON pointer into the document, for CONFIG_INVALID and CONFIG_LITERAL_SECRET. */
  readonly path: string | undefined;

  constructor(
    code: ConfigErrorCode,
    message: string,
    options?: { path?: string; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConfigRegistryError';
    this.code = code;
    this.path = options?.path;
  }
}
