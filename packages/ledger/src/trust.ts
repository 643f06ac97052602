import { KeysError, type PublicKeyEntry, PublicKeyring } from '@bulwark/keys';
import { NoteError } from './errors.js';
import { type NoteKey, parseVerifierKey, publicKeyFromPem } from './note.js';

/**
 * Trusted checkpoint keys from a file's text, in any of the forms a key reaches an auditor:
 * C2SP verifier keys (one per line, `<name>+<hash>+<key>`), an Ed25519 SPKI PEM, or a
 * `bulwark-keyring/v1` JSON document from `bulwark keys export-public`. PEM and keyring keys
 * carry no note name, so they are bound to `origin` (the checkpoints' signer name).
 */
export function parseTrustedKeys(text: string, origin: string): NoteKey[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch {
      throw new NoteError('the key file is not valid JSON');
    }
    let entries: PublicKeyEntry[];
    try {
      entries = PublicKeyring.fromJSON(doc).entries();
    } catch (error) {
      if (error instanceof KeysError) throw new NoteError(`the key file: ${error.message}`);
      throw error;
    }
    const keys = entries
      .filter((k) => k.algorithm === 'Ed25519')
      .map((k) => ({ name: origin, publicKey: k.publicKey }));
    // An empty trust set would make every checkpoint look forged.
    if (keys.length === 0) throw new NoteError('the key file holds no Ed25519 key');
    return keys;
  }
  if (trimmed.includes('-----BEGIN')) {
    const blocks =
      trimmed.match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g) ?? [];
    if (blocks.length === 0) throw new NoteError('the key file holds no PUBLIC KEY block');
    return blocks.map((pem) => ({ name: origin, publicKey: publicKeyFromPem(pem) }));
  }
  const lines = trimmed
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length === 0) throw new NoteError('the key file is empty');
  return lines.map(parseVerifierKey);
}
