import {
  type KeyProvider,
  KeysError,
  keyProviderConfigFromEnv,
  keyringOf,
  loadKeyring,
  MemoryAuditSink,
  openKeyProvider,
  type PublicKeyring,
} from '@bulwark/keys';
import { UsageError } from '../exit-codes.js';

export interface TrustedKeys {
  readonly keyring: PublicKeyring;
  /** Where the keys came from, for output: `keyring FILE` or `file key provider DIR`. */
  readonly source: string;
}

/**
 * The public keys a verifying command trusts: the `--keyring` file (`bulwark keys
 * export-public`), else every public key version of the configured key provider
 * (BULWARK_KEYS_PROVIDER and friends, as `bulwark keys` reads them). Only public keys are read,
 * so nothing is signed and the audit sink stays empty. No keys at all is a usage error: an empty
 * keyring would report every bundle as signed by an unknown key.
 */
export async function resolveKeyring(flags: {
  keyring?: string;
  env?: NodeJS.ProcessEnv;
}): Promise<TrustedKeys> {
  if (flags.keyring) {
    try {
      return { keyring: await loadKeyring(flags.keyring), source: `keyring ${flags.keyring}` };
    } catch (error) {
      if (error instanceof KeysError) throw new UsageError(`--keyring: ${error.message}`);
      throw error;
    }
  }
  const env = flags.env ?? process.env;
  let provider: KeyProvider | undefined;
  let source = 'the configured key provider';
  try {
    const config = keyProviderConfigFromEnv(env);
    source =
      config.provider === 'file'
        ? `file key provider ${config.dir}`
        : `${config.provider} key provider`;
    provider = await openKeyProvider(config, new MemoryAuditSink());
    const keyring = await keyringOf(provider);
    if (keyring.entries().length === 0) {
      throw new UsageError(
        `no trusted keys: ${source} holds none; pass --keyring FILE (from \`bulwark keys export-public --out FILE\`) or set BULWARK_KEYS_*`,
      );
    }
    return { keyring, source };
  } catch (error) {
    if (error instanceof KeysError) {
      throw new UsageError(
        `cannot read trusted keys from ${source}: ${error.message} [${error.code}]`,
      );
    }
    throw error;
  } finally {
    await provider?.close().catch(() => undefined);
  }
}
