import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Signer } from '@bulwark/keys';
import type { Service } from '@bulwark/kit';
import {
  DirectoryWitness,
  Ledger,
  noteKeyOf,
  openCheckpoint,
  openDriver,
  parseVerifierKey,
  verifyConsistency,
  verifyInclusion,
} from '@bulwark/ledger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLedgerService } from '../src/index.js';

const ORIGIN = 'bulwark.test/service';

function testSigner(): Signer {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    keyId: 'svc-test/v1',
    algorithm: 'Ed25519',
    publicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(12)),
    sign: async (data) => new Uint8Array(sign(null, data, privateKey)),
  };
}

const silent = new Writable({ write: (_c, _e, done) => done() });
const hex = (h: string) => Buffer.from(h, 'hex');

describe('ledger service', () => {
  let service: Service;
  let witnessDir: string;
  const signer = testSigner();

  beforeAll(async () => {
    witnessDir = mkdtempSync(join(tmpdir(), 'bw-svc-witness-'));
    const ledger = await Ledger.open(await openDriver('memory://'), {
      origin: ORIGIN,
      signer,
      witnesses: [new DirectoryWitness(witnessDir, [noteKeyOf(ORIGIN, signer)])],
    });
    service = buildLedgerService({
      ledger,
      handleProcessSignals: false,
      logDestination: silent,
      env: {},
    });
    await service.app.ready();
  });
  afterAll(async () => {
    await service.app.close();
    await service.resources.closeAll(service.logger);
    rmSync(witnessDir, { recursive: true, force: true });
  });

  const post = (url: string, body?: unknown) =>
    service.app.inject({
      method: 'POST',
      url,
      ...(body === undefined ? {} : { payload: body as object }),
    });
  const get = (url: string) => service.app.inject({ method: 'GET', url });

  it('appends entries (201 with seq and entry hash) and reads them back by seq range', async () => {
    for (let i = 1; i <= 12; i++) {
      const res = await post('/v1/ledger/entries', {
        stream: 'core-api',
        kind: 'item.create',
        actor: 'anonymous',
        payload: { id: i },
      });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({
        seq: i,
        entryHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
    }
    const page = await get('/v1/ledger/entries?from=3&limit=5');
    expect(page.statusCode).toBe(200);
    expect(page.json().entries.map((e: { seq: number }) => e.seq)).toEqual([3, 4, 5, 6, 7]);
    expect(page.json().entries[0].payload).toEqual({ id: 3 });
    expect(page.json().next).toBe(8);
  });

  it('rejects bad input with problem+json and never a stack trace', async () => {
    for (const body of [
      { stream: 'x', kind: 'k', actor: 'a' },
      { stream: '', kind: 'k', actor: 'a', payload: 1 },
      { stream: 'x y', kind: 'k', actor: 'a', payload: 1 },
    ]) {
      const res = await post('/v1/ledger/entries', body);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).not.toMatch(/at .*\.ts:\d+/);
    }
    expect((await get('/v1/ledger/entries?from=0')).statusCode).toBe(400);
    expect((await get('/v1/ledger/proofs/inclusion?seq=99')).statusCode).toBe(404);
    expect((await get('/v1/ledger/proofs/consistency?from=5&to=99')).statusCode).toBe(404);
  });

  it('verifies, and serves proofs that verify against the head', async () => {
    const report = await get('/v1/ledger/verify');
    expect(report.json()).toMatchObject({ valid: true, checked: 12, head: 12, firstBadSeq: null });
    const head = (await get('/v1/ledger/head')).json();
    const inclusion = (await get('/v1/ledger/proofs/inclusion?seq=5')).json();
    expect(
      verifyInclusion(4, 12, hex(inclusion.leafHash), inclusion.proof.map(hex), hex(head.root)),
    ).toBe(true);
    const consistency = (await get('/v1/ledger/proofs/consistency?from=7')).json();
    expect(
      verifyConsistency(7, 12, consistency.proof.map(hex), hex(consistency.root1), hex(head.root)),
    ).toBe(true);
  });

  it('answers a verify range past the head or backwards with a client error, not a tamper report', async () => {
    const past = await get('/v1/ledger/verify?mode=range&from=100');
    expect(past.statusCode).toBe(404);
    expect(past.json().code).toBe('BW_NOT_FOUND');
    const backwards = await get('/v1/ledger/verify?mode=range&from=5&to=2');
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().code).toBe('BW_VALIDATION');
  });

  it('signs checkpoints on demand and lists them with the verifier key', async () => {
    const created = await post('/v1/ledger/checkpoints');
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ size: 12, origin: ORIGIN });
    const listed = (await get('/v1/ledger/checkpoints')).json();
    expect(listed.checkpoints).toHaveLength(1);
    const key = parseVerifierKey(listed.verifierKeys[0]);
    expect(openCheckpoint(listed.checkpoints[0].note, [key]).size).toBe(12);
    const incremental = (await get('/v1/ledger/verify?mode=incremental')).json();
    expect(incremental).toMatchObject({ valid: true, checked: 0, head: 12 });
  });
});
