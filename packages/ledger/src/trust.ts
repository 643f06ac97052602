import { KeysError, type PublicKeyEntry, PublicKeyring } from '@bulwark/keys';
import { NoteError } from './errors.js';
import { type NoteKey, parseVerifierKey, publicKeyFromPem, verifyNote } from './note.js';
import type { SqlQueryable } from './store/driver.js';
import { listCheckpoints } from './store/tables.js';

/** What a verifier trusts: the log's origin and the keys that sign its checkpoints. */
export interface TrustAnchor {
  /** The checkpoint origin (the log's name): from the key file or the verifier's own choice. */
  readonly origin: string;
  readonly keys: NoteKey[];
}

/**
 * Trusted checkpoint keys from a file's text, in any of the forms a key reaches an auditor:
 * C2SP verifier keys (one per line, `<name>+<hash>+<key>`), an Ed25519 SPKI PEM, or a
 * `bulwark-keyring/v1` JSON document from `bulwark keys export-public`. PEM and keyring keys
 * carry no note name, so they are bound to `origin` (the checkpoints' signer name).
 */
export function parseTrustedKeys(text: string, origin: string): NoteKey[] {
  return readKeyFile(text).keys.map((key) => ({
    name: key.name ?? origin,
    publicKey: key.publicKey,
  }));
}

/**
 * The origin and keys a verifier trusts, from its key file and its own `origin` (a flag), never
 * from the database under test: a log that names its own origin could name another log's, and a
 * verifier looking up witnessed state under the wrong name finds none.
 *
 * The origin is `origin` when given, else the one the file names: a C2SP verifier key names its
 * origin, and a bulwark keyring may carry a top-level `"origin"`. NoteError when the two
 * disagree, when the file names several origins and `origin` picks none, or when nothing names
 * one (an Ed25519 PEM, a keyring without `"origin"`, and no `origin`).
 */
export function parseTrustAnchor(text: string, origin?: string): TrustAnchor {
  const file = readKeyFile(text);
  const named = [
    ...new Set([
      ...(file.origin === undefined ? [] : [file.origin]),
      ...file.keys.flatMap((k) => (k.name === undefined ? [] : [k.name])),
    ]),
  ];
  let chosen = origin;
  if (chosen === undefined) {
    if (named.length > 1) {
      throw new NoteError(
        `the key file names several origins (${named.join(', ')}): choose the log's with --origin`,
      );
    }
    chosen = named[0];
    if (chosen === undefined) {
      throw new NoteError(
        'the key file names no origin (an Ed25519 PEM, or a bulwark keyring without "origin"): ' +
          "give the log's checkpoint origin with --origin",
      );
    }
  } else if (named.length > 0 && !named.includes(chosen)) {
    throw new NoteError(`the key file signs for ${named.join(', ')}, not the origin ${chosen}`);
  }
  const keys = file.keys
    .filter((k) => k.name === undefined || k.name === chosen)
    .map((k) => ({ name: chosen as string, publicKey: k.publicKey }));
  return { origin: chosen, keys };
}

interface KeyFile {
  /** The origin a bulwark keyring names at its top level, if it does. */
  readonly origin?: string;
  /** Keys, with their note name where the format carries one (C2SP verifier keys). */
  readonly keys: { readonly name?: string; readonly publicKey: Uint8Array }[];
}

function readKeyFile(text: string): KeyFile {
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
      .map((k) => ({ publicKey: k.publicKey }));
    // An empty trust set would make every checkpoint look forged.
    if (keys.length === 0) throw new NoteError('the key file holds no Ed25519 key');
    // `origin` is an optional addition to bulwark-keyring/v1, which ignores unknown fields.
    const origin = (doc as { origin?: unknown }).origin;
    if (origin !== undefined && (typeof origin !== 'string' || !/^[^\s+]+$/.test(origin)))
      throw new NoteError('the keyring\'s "origin" is not a checkpoint origin');
    return origin === undefined ? { keys } : { origin, keys };
  }
  if (trimmed.includes('-----BEGIN')) {
    const blocks =
      trimmed.match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g) ?? [];
    if (blocks.length === 0) throw new NoteError('the key file holds no PUBLIC KEY block');
    return { keys: blocks.map((pem) => ({ publicKey: publicKeyFromPem(pem) })) };
  }
  const lines = trimmed
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (lines.length === 0) throw new NoteError('the key file is empty');
  return { keys: lines.map(parseVerifierKey) };
}

/**
 * The origin of the newest stored checkpoint (among the latest `limit`) that one of `publicKeys`
 * really signed, or undefined. For a signer choosing which origin to continue: an unsigned or
 * forged note in the database must not choose it, or a superuser could have the real key sign
 * this log under another log's name.
 */
export async function signedOriginOf(
  q: SqlQueryable,
  publicKeys: readonly Uint8Array[],
  limit = 50,
): Promise<string | undefined> {
  for (const row of (await listCheckpoints(q, limit)).reverse()) {
    // A checkpoint's origin is its first line, and its signatures are made under that name.
    const claimed = row.note.slice(0, Math.max(0, row.note.indexOf('\n')));
    try {
      verifyNote(
        row.note,
        publicKeys.map((publicKey) => ({ name: claimed, publicKey })),
      );
      return claimed;
    } catch {
      // Not signed by these keys (forged, or another key's): no evidence of the origin.
    }
  }
  return undefined;
}
