import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import type { Signer } from '@bulwark/keys';

/** What make-fixture.ts wrote, with the code of commit e8ce92f (see fixtures/e8ce92f/). */
export interface LegacyFixture {
  readonly origin: string;
  readonly signer: Signer;
  readonly size: number;
  readonly rootHash: string;
  readonly lastCheckpointSize: number;
  readonly entryHashes: readonly string[];
}

const DIR = new URL('../fixtures/e8ce92f/', import.meta.url);

export function legacyFixture(): LegacyFixture {
  const json = JSON.parse(readFileSync(new URL('ledger.json', DIR), 'utf8'));
  const privateKey = createPrivateKey(json.signerPrivateKeyPem);
  const raw = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(12);
  return {
    origin: json.origin,
    size: json.size,
    rootHash: json.rootHash,
    lastCheckpointSize: json.lastCheckpointSize,
    entryHashes: json.entryHashes,
    signer: {
      keyId: json.signerKeyId,
      algorithm: 'Ed25519',
      publicKey: new Uint8Array(raw),
      sign: async (data) => new Uint8Array(sign(null, data, privateKey)),
    },
  };
}

/** The e8ce92f PGlite ledger, unpacked into a new temp data directory. */
export async function legacyPgliteDirectory(): Promise<string> {
  const tar = brotliDecompressSync(readFileSync(new URL('pglite-ledger.tar.br', DIR)));
  const dir = mkdtempSync(join(tmpdir(), 'bw-legacy-ledger-'));
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = new PGlite(dir, { loadDataDir: new Blob([tar]) });
  await pglite.waitReady;
  await pglite.close();
  return dir;
}

/** The e8ce92f PostgreSQL ledger as plain SQL (pg_dump --inserts), for a fresh database. */
export function legacyPostgresDump(): string {
  return readFileSync(new URL('postgres-ledger.sql', DIR), 'utf8');
}
