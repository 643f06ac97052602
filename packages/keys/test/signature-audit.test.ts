import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AuditSink,
  AuditWriteError,
  auditedSigner,
  JsonlFileAuditSink,
  MemoryAuditSink,
  openFileKeyProvider,
  type SignatureAuditRecord,
  type Signer,
} from '../src/index.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'bulwark-audit-'));
  dirs.push(dir);
  return dir;
}

/** A bare in-process signer, to test the audit wrapper on its own. */
function plainSigner(): Signer & { calls: number } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const signer = {
    keyId: 'plain/v1',
    algorithm: 'Ed25519' as const,
    publicKey: new Uint8Array(32),
    calls: 0,
    async sign(data: Uint8Array) {
      signer.calls += 1;
      return new Uint8Array(sign(null, data, privateKey));
    },
  };
  return signer;
}

describe('signature audit', () => {
  it('records key id, purpose, SHA-256 digest and time for every signature', async () => {
    const sink = new MemoryAuditSink();
    const times = ['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z'];
    const signer = auditedSigner(plainSigner(), sink, () => new Date(times.shift()!));
    await signer.sign(bytes('first'), 'ledger.checkpoint');
    await signer.sign(bytes('second'));
    expect(sink.records).toEqual<SignatureAuditRecord[]>([
      {
        keyId: 'plain/v1',
        algorithm: 'Ed25519',
        purpose: 'ledger.checkpoint',
        digest: sha256(bytes('first')),
        time: '2026-01-01T00:00:00.000Z',
      },
      {
        keyId: 'plain/v1',
        algorithm: 'Ed25519',
        purpose: 'unspecified',
        digest: sha256(bytes('second')),
        time: '2026-01-01T00:00:01.000Z',
      },
    ]);
  });

  it('withholds the signature when the record cannot be stored (fail closed)', async () => {
    const failing: AuditSink = {
      record: async () => {
        throw new Error('disk full');
      },
    };
    const inner = plainSigner();
    const signer = auditedSigner(inner, failing);
    const error = await signer.sign(bytes('x'), 'p').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuditWriteError);
    expect(error).toMatchObject({ code: 'BW_KEYS_AUDIT_FAILED' });
    expect(inner.calls).toBe(1);
  });

  it('does not record a signature that failed', async () => {
    const sink = new MemoryAuditSink();
    const broken: Signer = {
      ...plainSigner(),
      sign: async () => Promise.reject(new Error('token gone')),
    };
    await expect(auditedSigner(broken, sink).sign(bytes('x'))).rejects.toThrow('token gone');
    expect(sink.records).toHaveLength(0);
  });

  it('appends one fsynced JSON line per signature to a 0600 JSONL file, in order', async () => {
    const dir = tempDir();
    const path = join(dir, 'audit', 'keys.jsonl');
    const sink = new JsonlFileAuditSink(path);
    const provider = await openFileKeyProvider({ dir: join(dir, 'keys'), audit: sink, env: {} });
    await provider.create('checkpoint');
    const signer = await provider.open('checkpoint');
    const messages = Array.from({ length: 25 }, (_, i) => bytes(`entry ${i}`));
    // Concurrent signs: the sink serialises writes, so no line is torn or lost.
    await Promise.all(messages.map((m, i) => signer.sign(m, `purpose-${i}`)));
    await sink.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(25);
    const records = lines.map((line) => JSON.parse(line) as SignatureAuditRecord);
    expect(records.map((r) => r.digest).sort()).toEqual(messages.map(sha256).sort());
    expect(new Set(records.map((r) => r.keyId))).toEqual(new Set(['checkpoint/v1']));
    expect(records.every((r) => !Number.isNaN(Date.parse(r.time)))).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  const sampleRecord = (): SignatureAuditRecord => ({
    keyId: 'k/v1',
    algorithm: 'Ed25519',
    purpose: 'p',
    digest: sha256(bytes('x')),
    time: new Date().toISOString(),
  });

  it('the JSONL sink reports a write failure to the caller and keeps working afterwards', async () => {
    const dir = tempDir();
    // A directory where the file should be: opening it for append fails.
    const sink = new JsonlFileAuditSink(dir);
    const record = sampleRecord();
    await expect(sink.record(record)).rejects.toThrow();
    const good = new JsonlFileAuditSink(join(dir, 'ok.jsonl'));
    await good.record(record);
    await good.close();
    expect(readFileSync(join(dir, 'ok.jsonl'), 'utf8')).toBe(`${JSON.stringify(record)}\n`);
  });

  it('the same JSONL sink recovers once the cause of a failed open is gone', async () => {
    const dir = tempDir();
    const blocker = join(dir, 'audit');
    writeFileSync(blocker, 'a file where the directory should be');
    const sink = new JsonlFileAuditSink(join(blocker, 'keys.jsonl'));
    const record = sampleRecord();
    await expect(sink.record(record)).rejects.toThrow();
    rmSync(blocker);
    await sink.record(record);
    await sink.close();
    expect(readFileSync(join(blocker, 'keys.jsonl'), 'utf8')).toBe(`${JSON.stringify(record)}\n`);
  });
});
