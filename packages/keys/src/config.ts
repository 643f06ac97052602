import type { KMSClient } from '@aws-sdk/client-kms';
import type { AuditSink } from './audit.js';
import { KeysConfigError } from './errors.js';
import type { KeyProvider } from './provider.js';
import { kmsKeyProvider } from './providers/aws-kms.js';
import { openFileKeyProvider } from './providers/file.js';
import { openPkcs11KeyProvider } from './providers/pkcs11/provider.js';

/** Which provider to use and where its keys live: one typed object per provider. */
export type KeyProviderConfig =
  | { readonly provider: 'file'; readonly dir: string; readonly allowInProduction?: boolean }
  | {
      readonly provider: 'pkcs11';
      readonly module: string;
      readonly tokenLabel: string;
      readonly pin: string;
    }
  | { readonly provider: 'aws-kms'; readonly client: KMSClient; readonly aliasPrefix?: string };

export const DEFAULT_FILE_KEYSTORE = '.bulwark/keys';

/**
 * Reads the provider from the environment:
 * - BULWARK_KEYS_PROVIDER: file (default) | pkcs11
 * - file: BULWARK_KEYS_DIR (default .bulwark/keys), BULWARK_ALLOW_FILE_KEYS=1 in production
 * - pkcs11: BULWARK_PKCS11_MODULE, BULWARK_PKCS11_TOKEN_LABEL, BULWARK_PKCS11_PIN
 * aws-kms needs a KMSClient, so it is configured in code rather than here.
 */
export function keyProviderConfigFromEnv(env: NodeJS.ProcessEnv = process.env): KeyProviderConfig {
  const provider = env.BULWARK_KEYS_PROVIDER ?? 'file';
  if (provider === 'file') {
    return { provider, dir: env.BULWARK_KEYS_DIR ?? DEFAULT_FILE_KEYSTORE };
  }
  if (provider === 'pkcs11') {
    const missing = [
      'BULWARK_PKCS11_MODULE',
      'BULWARK_PKCS11_TOKEN_LABEL',
      'BULWARK_PKCS11_PIN',
    ].filter((name) => !env[name]);
    if (missing.length > 0) {
      throw new KeysConfigError(`BULWARK_KEYS_PROVIDER=pkcs11 needs ${missing.join(', ')}`);
    }
    return {
      provider,
      module: env.BULWARK_PKCS11_MODULE!,
      tokenLabel: env.BULWARK_PKCS11_TOKEN_LABEL!,
      pin: env.BULWARK_PKCS11_PIN!,
    };
  }
  throw new KeysConfigError(
    `BULWARK_KEYS_PROVIDER must be file or pkcs11 (aws-kms is configured in code), got ${JSON.stringify(provider)}`,
  );
}

/** Opens the configured provider; every signer it opens records to `audit`. */
export function openKeyProvider(config: KeyProviderConfig, audit: AuditSink): Promise<KeyProvider> {
  switch (config.provider) {
    case 'file':
      return openFileKeyProvider({
        dir: config.dir,
        audit,
        ...(config.allowInProduction === undefined
          ? {}
          : { allowInProduction: config.allowInProduction }),
      });
    case 'pkcs11':
      return openPkcs11KeyProvider({ ...config, audit });
    case 'aws-kms':
      return Promise.resolve(
        kmsKeyProvider({
          client: config.client,
          audit,
          ...(config.aliasPrefix === undefined ? {} : { aliasPrefix: config.aliasPrefix }),
        }),
      );
  }
}
