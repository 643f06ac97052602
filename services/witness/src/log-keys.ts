import { KeyNotFoundError, type KeyProvider } from '@bulwark/keys';
import { ConfigError } from '@bulwark/kit';
import { type NoteKey, parseVerifierKey } from '@bulwark/ledger';

/** The logs a witness accepts checkpoints from, and the note keys each must be signed with. */
export interface LogKeys {
  /** Every origin this witness witnesses. */
  origins(): readonly string[];
  /** The keys trusted for `origin` now; undefined when the origin is not witnessed at all. */
  keysFor(origin: string): Promise<readonly NoteKey[] | undefined>;
}

/**
 * Logs named by published verifier keys (the key name is the log's origin), and logs named by
 * a key in the witness's own provider, read on every request so a log key created or rotated
 * after the witness started is trusted without a restart.
 */
export function logKeysOf(
  verifierKeys: readonly string[],
  named: readonly { origin: string; keyName: string }[],
  provider: Pick<KeyProvider, 'versions'> | undefined,
): LogKeys {
  const fixed = new Map<string, NoteKey[]>();
  for (const text of verifierKeys) {
    let key: NoteKey;
    try {
      key = parseVerifierKey(text);
    } catch (error) {
      throw new ConfigError(
        `BULWARK_WITNESS_LOG_KEYS: ${JSON.stringify(text)}: ${(error as Error).message}`,
      );
    }
    fixed.set(key.name, [...(fixed.get(key.name) ?? []), key]);
  }
  const byName = new Map(named.map((n) => [n.origin, n.keyName]));
  if (byName.size > 0 && !provider) {
    throw new ConfigError('log keys named in the key provider need a key provider');
  }
  const origins = [...new Set([...fixed.keys(), ...byName.keys()])].sort();
  return {
    origins: () => origins,
    async keysFor(origin) {
      const keyName = byName.get(origin);
      const keys = fixed.get(origin);
      if (keyName === undefined) return keys;
      let versions: { publicKey: Uint8Array }[] = [];
      try {
        versions = await (provider as Pick<KeyProvider, 'versions'>).versions(keyName);
      } catch (error) {
        // The log has not created its key yet: nothing verifies, so its checkpoints get 403.
        if (!(error instanceof KeyNotFoundError)) throw error;
      }
      return [...(keys ?? []), ...versions.map((v) => ({ name: origin, publicKey: v.publicKey }))];
    },
  };
}
