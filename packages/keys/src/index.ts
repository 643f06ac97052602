export {
  type AuditSink,
  auditedSigner,
  JsonlFileAuditSink,
  MemoryAuditSink,
  type SignatureAuditRecord,
  signatureDigest,
  UNSPECIFIED_PURPOSE,
} from './audit.js';
export {
  DEFAULT_FILE_KEYSTORE,
  type KeyProviderConfig,
  keyProviderConfigFromEnv,
  openKeyProvider,
} from './config.js';
export {
  AuditWriteError,
  FileKeysRefusedInProductionError,
  InsecurePermissionsError,
  InvalidKeyNameError,
  KeyExistsError,
  KeyNotFoundError,
  KeysConfigError,
  KeysError,
  type KeysErrorCode,
  KeystoreCorruptError,
  KmsKeysError,
  Pkcs11KeysError,
  ProviderClosedError,
} from './errors.js';
export { formatKeyId, type ParsedKeyId, parseKeyId } from './key-id.js';
export {
  KEYRING_FORMAT,
  type KeyringDocument,
  loadKeyring,
  type PublicKeyEntry,
  PublicKeyring,
  saveKeyring,
} from './keyring.js';
export {
  type KeyProvider,
  type KeyProviderKind,
  type KeyVersionInfo,
  keyringOf,
  type OpenSignerOptions,
  openOrCreateKey,
} from './provider.js';
export {
  KMS_ED25519_KEY_SPEC,
  KMS_ED25519_SIGNING_ALGORITHM,
  KMS_MAX_RAW_MESSAGE_BYTES,
  type KmsKeyProviderOptions,
  type KmsSignerOptions,
  kmsKeyProvider,
  openKmsSigner,
} from './providers/aws-kms.js';
export { type FileKeyProviderOptions, openFileKeyProvider } from './providers/file.js';
export {
  openPkcs11KeyProvider,
  type Pkcs11KeyProvider,
  type Pkcs11KeyProviderOptions,
  type Pkcs11PrivateKeyAttributes,
} from './providers/pkcs11/provider.js';
export {
  preAuthEncoding,
  SIGNATURE_FORMAT,
  type SignatureCheck,
  type SignatureEnvelope,
  sha256Hex,
  signPayload,
  verifyPayload,
} from './signed-payload.js';
export { SignatureEnvelopeSchema } from './signed-payload-schema.js';
export type { SignatureAlgorithm, Signer, Verifier } from './signer.js';
