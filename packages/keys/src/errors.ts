/**
 * Typed key errors with stable codes. Messages name keys, paths, token labels and PKCS#11 return
 * values, never a PIN or key material: they are safe to log and to print in the CLI.
 */
export type KeysErrorCode =
  | 'BW_KEYS_CONFIG_INVALID'
  | 'BW_KEYS_INVALID_NAME'
  | 'BW_KEYS_NOT_FOUND'
  | 'BW_KEYS_EXISTS'
  | 'BW_KEYS_FILE_REFUSED_IN_PRODUCTION'
  | 'BW_KEYS_INSECURE_PERMISSIONS'
  | 'BW_KEYS_CORRUPT'
  | 'BW_KEYS_AUDIT_FAILED'
  | 'BW_KEYS_PROVIDER_CLOSED'
  | 'BW_PKCS11_MODULE_LOAD_FAILED'
  | 'BW_PKCS11_TOKEN_NOT_FOUND'
  | 'BW_PKCS11_PIN_INCORRECT'
  | 'BW_PKCS11_PIN_LOCKED'
  | 'BW_PKCS11_MECHANISM_UNSUPPORTED'
  | 'BW_PKCS11_OPERATION_FAILED'
  | 'BW_KMS_KEY_SPEC_UNSUPPORTED'
  | 'BW_KMS_MESSAGE_TOO_LARGE'
  | 'BW_KMS_REQUEST_FAILED';

export class KeysError extends Error {
  readonly code: KeysErrorCode;

  constructor(code: KeysErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A provider configuration (options or environment) that cannot work as given. */
export class KeysConfigError extends KeysError {
  constructor(message: string) {
    super('BW_KEYS_CONFIG_INVALID', message);
  }
}

export class InvalidKeyNameError extends KeysError {
  constructor(name: string, rule: string) {
    super('BW_KEYS_INVALID_NAME', `invalid key name or id ${JSON.stringify(name)}: ${rule}`);
  }
}

export class KeyNotFoundError extends KeysError {
  constructor(keyIdOrName: string, where: string) {
    super('BW_KEYS_NOT_FOUND', `key ${keyIdOrName} not found in ${where}`);
  }
}

export class KeyExistsError extends KeysError {
  constructor(name: string, where: string) {
    super('BW_KEYS_EXISTS', `key ${name} already exists in ${where}; use rotate to add a version`);
  }
}

/** The file keystore holds private keys on disk, so production needs an explicit opt-in. */
export class FileKeysRefusedInProductionError extends KeysError {
  constructor() {
    super(
      'BW_KEYS_FILE_REFUSED_IN_PRODUCTION',
      'the file keystore is for development and is refused when NODE_ENV=production; use the ' +
        'pkcs11 or aws-kms provider, or set BULWARK_ALLOW_FILE_KEYS=1 to override knowingly',
    );
  }
}

export class InsecurePermissionsError extends KeysError {
  constructor(path: string, mode: number, expected: string) {
    super(
      'BW_KEYS_INSECURE_PERMISSIONS',
      `${path} has mode ${(mode & 0o777).toString(8).padStart(4, '0')}; ${expected}`,
    );
  }
}

/** Stored key material or a keyring file that cannot be parsed as what it claims to be. */
export class KeystoreCorruptError extends KeysError {
  constructor(what: string, options?: ErrorOptions) {
    super('BW_KEYS_CORRUPT', what, options);
  }
}

/** A signature is never handed out without its audit record (fail closed). */
export class AuditWriteError extends KeysError {
  constructor(keyId: string, options?: ErrorOptions) {
    super(
      'BW_KEYS_AUDIT_FAILED',
      `the audit record for a ${keyId} signature could not be written; the signature was withheld`,
      options,
    );
  }
}

export class ProviderClosedError extends KeysError {
  constructor(provider: string) {
    super('BW_KEYS_PROVIDER_CLOSED', `the ${provider} key provider is closed`);
  }
}

export type Pkcs11ErrorCode = Extract<KeysErrorCode, `BW_PKCS11_${string}`>;

export class Pkcs11KeysError extends KeysError {
  /** The PKCS#11 return value name (e.g. CKR_PIN_INCORRECT) when the token gave one. */
  readonly ckr: string | undefined;

  constructor(code: Pkcs11ErrorCode, message: string, ckr?: string, options?: ErrorOptions) {
    super(code, message, options);
    this.ckr = ckr;
  }
}

export type KmsErrorCode = Extract<KeysErrorCode, `BW_KMS_${string}`>;

export class KmsKeysError extends KeysError {
  constructor(code: KmsErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}
