import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  consistencyProofJson,
  DirectoryWitness,
  InconsistentCheckpointError,
  InvalidEntryError,
  inclusionProofJson,
  Ledger,
  noteKeyOf,
  OutOfRangeError,
  openCheckpoint,
  openDriver,
  parseNote,
  signCheckpoint,
  verifyConsistency,
  verifyInclusion,
  type Witness,
  WitnessRejectedError,
} from '../src/index.js';
import { createTestDatabase, postgres } from './helpers/postgres.js';
import { testSigner } from './helpers/test-signer.js';

const ORIGIN = 'bulwark.test/ledger';

function suite(label: string, target: () => Promise<{ target: string; cleanup(): Promise<void> }>) {
  describe(label, () => {
    let ledger: Ledger;
    let cleanup: () => Promise<void>;
    let witnessDir: string;
    const signer = testSigner();

    beforeAll(async () => {
      const t = await target();
      cleanup = t.cleanup;
      witnessDir = mkdtempSync(join(tmpdir(), 'bw-witness-'));
      ledger = await Ledger.open(await openDriver(t.target), {
        origin: ORIGIN,
        signer,
        witnesses: [new DirectoryWitness(witnessDir, [noteKeyOf(ORIGIN, signer)])],
      });
    });
    afterAll(async () => {
      await ledger?.close();
      await cleanup?.();
      rmSync(witnessDir, { recursive: true, force: true });
    });

    it('appends concurrently into one gap-free chain and stores canonical JSON', async () => {
      const receipts = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          ledger.append({
            stream: 'orders',
            kind: 'created',
            actor: 'svc:a',
            payload: { n: i, b: 1, a: [true, null] },
          }),
        ),
      );
      expect(receipts.map((r) => r.seq).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      const [first] = await ledger.read(1, 1);
      expect(first?.payload).toMatch(/^\{"a":\[true,null\],"b":1,"n":\d+\}$/);
      const batch = await ledger.appendBatch([
        { stream: 's', kind: 'k', actor: 'a', payload: 1 },
        { stream: 's', kind: 'k', actor: 'a', payload: 'two' },
      ]);
      expect(batch.map((r) => r.seq)).toEqual([51, 52]);
      const report = await ledger.verify();
      expect(report).toMatchObject({
        valid: true,
        checked: 52,
        head: 52,
        firstBadSeq: null,
        reason: null,
      });
    });

    it('treats a verify range past the head as a bad request, not tampering', async () => {
      const head = (await ledger.head()).size;
      await expect(ledger.verify({ mode: 'range', from: head + 10 })).rejects.toBeInstanceOf(
        OutOfRangeError,
      );
      expect((await ledger.verify({ mode: 'range', from: 2, to: head })).valid).toBe(true);
    });

    it('rejects bad entries with a typed error and appends nothing', async () => {
      await expect(
        ledger.append({ stream: '', kind: 'k', actor: 'a', payload: {} }),
      ).rejects.toBeInstanceOf(InvalidEntryError);
      await expect(
        ledger.append({ stream: 's', kind: 'k', actor: 'a', payload: Number.NaN }),
      ).rejects.toBeInstanceOf(InvalidEntryError);
      await expect(
        ledger.append({ stream: 's', kind: 'k', actor: 'a', payload: 'x'.repeat(70_000) }),
      ).rejects.toBeInstanceOf(InvalidEntryError);
      expect((await ledger.head()).size).toBe(52);
    });

    it('serves inclusion and consistency proofs that verify against the head root', async () => {
      const head = await ledger.head();
      for (const seq of [1, 2, 17, 33, 52]) {
        const proof = await ledger.inclusionProof(seq);
        expect(verifyInclusion(seq - 1, head.size, proof.leafHash, proof.proof, head.root)).toBe(
          true,
        );
      }
      for (const size1 of [1, 7, 32, 51, 52]) {
        const proof = await ledger.consistencyProof(size1);
        expect(Buffer.from(proof.root2)).toEqual(Buffer.from(head.root));
        expect(verifyConsistency(size1, head.size, proof.proof, proof.root1, head.root)).toBe(true);
      }
      await expect(ledger.inclusionProof(53, 53)).rejects.toThrow(/beyond the head/);
      await expect(ledger.inclusionProof(0)).rejects.toThrow(/not in a tree/);
    });

    it('signs C2SP checkpoints, hands them to the witness, and refuses a rollback', async () => {
      const checkpoint = await ledger.checkpoint();
      expect(checkpoint.size).toBe(52);
      expect(checkpoint.note.split('\n').slice(0, 3)).toEqual([
        ORIGIN,
        '52',
        Buffer.from((await ledger.head()).root).toString('base64'),
      ]);
      expect(parseNote(checkpoint.note).signatures[0]?.name).toBe(ORIGIN);
      expect(openCheckpoint(checkpoint.note, [noteKeyOf(ORIGIN, signer)]).size).toBe(52);
      expect(signer.signatures).toEqual(['ledger-checkpoint']);
      // Unchanged log: the same checkpoint, no new signature.
      expect((await ledger.checkpoint()).id).toBe(checkpoint.id);
      await ledger.append({ stream: 's', kind: 'k', actor: 'a', payload: {} });
      const next = await ledger.checkpoint();
      expect(next.size).toBe(53);

      const witness = new DirectoryWitness(witnessDir, [noteKeyOf(ORIGIN, signer)]);
      expect((await witness.list()).map((c) => c.size)).toEqual([52, 53]);
      await expect(witness.submit(checkpoint.note, [])).rejects.toBeInstanceOf(
        WitnessRejectedError,
      );
      const forged = await signCheckpoint(
        { origin: ORIGIN, size: 60, root: new Uint8Array(32) },
        testSigner(),
      );
      await expect(witness.submit(forged, [])).rejects.toThrow(
        /no signature on the checkpoint verifies/,
      );
      const report = await ledger.verify();
      expect(report).toMatchObject({ valid: true, head: 53 });
      expect(report.checkpoints.compared).toBeGreaterThanOrEqual(4);
      const incremental = await ledger.verify({ mode: 'incremental' });
      expect(incremental).toMatchObject({ valid: true, checked: 0, head: 53 });
    });

    /** A second Ledger on the same store, with the tree cache: another process, in effect. */
    const openCached = () =>
      Ledger.open(ledger.driver, { origin: ORIGIN, migrate: false, cacheTree: true });

    it('serves identical proofs from the in-memory subtree cache, catching up with appends made elsewhere', async () => {
      const cached = await openCached();
      await cached.warmTreeCache();
      const sizes = async () => (await ledger.head()).size;
      for (const round of [0, 1]) {
        const size = await sizes();
        for (const seq of [1, Math.ceil(size / 2), size]) {
          expect(inclusionProofJson(await cached.inclusionProof(seq, size))).toEqual(
            inclusionProofJson(await ledger.inclusionProof(seq, size)),
          );
        }
        expect(consistencyProofJson(await cached.consistencyProof(3, size))).toEqual(
          consistencyProofJson(await ledger.consistencyProof(3, size)),
        );
        if (round === 0)
          await ledger.appendBatch(
            Array.from({ length: 9 }, (_, i) => ({
              stream: 's',
              kind: 'k',
              actor: 'a',
              payload: i,
            })),
          );
      }
    });

    it('keeps a loaded tree cache current through its own appends and those of another process', async () => {
      const cached = await openCached();
      await cached.warmTreeCache();
      const batch = (n: number) =>
        Array.from({ length: n }, (_, i) => ({ stream: 's', kind: 'k', actor: 'a', payload: i }));
      await cached.appendBatch(batch(5)); // extends the cache without reading back
      await ledger.appendBatch(batch(4)); // read by the cache on the next proof
      await cached.appendBatch(batch(3)); // does not continue the cache: left to the catch-up
      const size = (await ledger.head()).size;
      for (const seq of [1, size - 7, size - 3, size]) {
        expect(inclusionProofJson(await cached.inclusionProof(seq, size))).toEqual(
          inclusionProofJson(await ledger.inclusionProof(seq, size)),
        );
      }
      expect(consistencyProofJson(await cached.consistencyProof(size - 10, size))).toEqual(
        consistencyProofJson(await ledger.consistencyProof(size - 10, size)),
      );
    });

    it('answers proofs from the store while the tree cache loads, and loads it on the first proof', async () => {
      const cached = await openCached();
      const size = (await ledger.head()).size;
      // Not loaded yet: answered from the store at once, and the load starts.
      expect(inclusionProofJson(await cached.inclusionProof(2, size))).toEqual(
        inclusionProofJson(await ledger.inclusionProof(2, size)),
      );
      await cached.warmTreeCache(); // joins the load the proof started
      expect(consistencyProofJson(await cached.consistencyProof(1, size))).toEqual(
        consistencyProofJson(await ledger.consistencyProof(1, size)),
      );
    });

    it('signs a checkpoint without reading the checkpoint history of the database or the witnesses', async () => {
      const inner = new DirectoryWitness(mkdtempSync(join(tmpdir(), 'bw-witness-')), [
        noteKeyOf(ORIGIN, signer),
      ]);
      let listed = 0;
      const counting: Witness = {
        name: inner.name,
        submit: (note, proof) => inner.submit(note, proof),
        latest: () => inner.latest(),
        list: () => {
          listed += 1;
          return inner.list();
        },
      };
      const queries: string[] = [];
      const counted = new Proxy(ledger.driver, {
        get(target, prop) {
          if (prop === 'query')
            return (text: string, params?: readonly unknown[]) => {
              queries.push(text);
              return target.query(text, params);
            };
          const value = Reflect.get(target, prop);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      // Not closed: it shares the suite's driver.
      const signing = await Ledger.open(counted, {
        origin: ORIGIN,
        signer,
        witnesses: [counting],
        migrate: false,
      });
      for (const n of [1, 2]) {
        await ledger.append({ stream: 's', kind: 'k', actor: 'a', payload: n });
        await ledger.checkpoint();
      }
      expect((await ledger.checkpoints()).length).toBeGreaterThan(1);
      await signing.append({ stream: 's', kind: 'k', actor: 'a', payload: 'history' });
      const signed = await signing.checkpoint();
      expect(signed.size).toBe((await ledger.head()).size);
      expect(listed).toBe(0);
      expect(
        queries.filter((q) => q.includes('FROM ledger_checkpoints ORDER BY id DESC LIMIT $1')),
      ).toHaveLength(0);
      // What was skipped there, a full verify still does.
      expect((await ledger.verify()).valid).toBe(true);
    });

    it('reports a live ledger valid while appends land during the verify', async () => {
      let appending = true;
      const writer = (async () => {
        for (let n = 0; appending; n++)
          await ledger.append({ stream: 's', kind: 'k', actor: 'a', payload: n });
      })();
      try {
        for (let i = 0; i < 25; i++) {
          const report = await ledger.verify();
          expect(report.reason).toBeNull();
          expect(report.valid).toBe(true);
        }
      } finally {
        appending = false;
        await writer;
      }
    });

    it('refuses to sign when the signer does not match the last signed checkpoint', async () => {
      const other = await Ledger.open(ledger.driver, {
        origin: ORIGIN,
        signer: testSigner(),
        migrate: false,
      });
      await expect(other.checkpoint()).rejects.toBeInstanceOf(InconsistentCheckpointError);
    });
  });
}

suite('ledger on PGlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-ledger-'));
  return { target: dir, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

describe.skipIf(!postgres.available)('on PostgreSQL', () => {
  suite('ledger on PostgreSQL', async () => {
    const db = await createTestDatabase();
    return { target: db.url, cleanup: db.drop };
  });
});
