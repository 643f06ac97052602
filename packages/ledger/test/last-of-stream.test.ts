import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger, openDriver } from '../src/index.js';
import { createTestDatabase, postgres } from './helpers/postgres.js';

const ORIGIN = 'bulwark.test/last-of-stream';

function suite(label: string, target: () => Promise<{ target: string; cleanup(): Promise<void> }>) {
  describe(label, () => {
    let ledger: Ledger;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      const t = await target();
      cleanup = t.cleanup;
      ledger = await Ledger.open(await openDriver(t.target), { origin: ORIGIN });
    });
    afterAll(async () => {
      await ledger?.close();
      await cleanup?.();
    });

    it('is undefined for a stream with no entries, even when other streams have some', async () => {
      expect(await ledger.lastOfStream('gate')).toBeUndefined();
      await ledger.append({ stream: 'other', kind: 'k', actor: 'a', payload: { i: 0 } });
      expect(await ledger.lastOfStream('gate')).toBeUndefined();
    });

    it("returns the stream's newest entry, not the ledger's, with every stored field", async () => {
      await ledger.appendBatch(
        [1, 2, 3].map((i) => ({
          stream: 'gate',
          kind: 'gate.decision',
          actor: 'a',
          payload: { i },
        })),
      );
      // Newer entries of another stream must not hide the gate stream's last one.
      await ledger.appendBatch(
        [4, 5].map((i) => ({ stream: 'other', kind: 'k', actor: 'a', payload: { i } })),
      );
      const last = await ledger.lastOfStream('gate');
      const [stored] = await ledger.read(last?.seq ?? 0, 1);
      expect(last).toEqual(stored);
      expect(last).toMatchObject({ seq: 4, stream: 'gate', payload: '{"i":3}' });

      await ledger.append({ stream: 'gate', kind: 'gate.decision', actor: 'a', payload: { i: 6 } });
      expect(await ledger.lastOfStream('gate')).toMatchObject({ seq: 7, payload: '{"i":6}' });
      expect(await ledger.lastOfStream('other')).toMatchObject({ seq: 6, payload: '{"i":5}' });
    });
  });
}

suite('on PGlite', async () => ({ target: 'memory://', cleanup: async () => undefined }));

describe.skipIf(!postgres.available)('on PostgreSQL', () => {
  suite('on PostgreSQL', async () => {
    const db = await createTestDatabase('last_of_stream');
    return { target: db.url, cleanup: db.drop };
  });
});
