import { Writable } from 'node:stream';
import type { Service } from '@bulwark/kit';
import { Ledger, openDriver } from '@bulwark/ledger';
import { type PrivateServer, privatePostgresPart, startPrivatePostgres } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLedgerService } from '../src/index.js';

const silent = new Writable({ write: (_c, _e, done) => done() });

interface Problem {
  status: number;
  code: string;
  detail: string;
}

const entry = (stream: string, i: number) => ({
  stream,
  kind: 'gate.decision',
  actor: 'svc:gate',
  payload: { outboxSeq: i },
});

function suite(label: string, store: () => Promise<string>) {
  describe(label, () => {
    let service: Service;

    beforeAll(async () => {
      const ledger = await Ledger.open(await openDriver(await store()), {
        origin: 'bulwark.test/batches',
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
    });

    const post = (url: string, body: unknown) =>
      service.app.inject({ method: 'POST', url, payload: body as object });
    const get = (url: string) => service.app.inject({ method: 'GET', url });
    const head = async () => (await get('/v1/ledger/head')).json<{ size: number }>().size;

    it('answers 404 problem+json for the tail of a stream with no entries', async () => {
      const res = await get('/v1/ledger/streams/gate-a/last');
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json<Problem>()).toMatchObject({ status: 404, code: 'BW_NOT_FOUND' });
    });

    it('appends a batch as consecutive seqs, and the stream tail is its last entry as GET entries shows it', async () => {
      await post('/v1/ledger/entries', entry('other', 0));
      const res = await post('/v1/ledger/batches', {
        entries: [1, 2, 3].map((i) => entry('gate-a', i)),
      });
      expect(res.statusCode).toBe(201);
      const reply = res.json<{ first: number; last: number; lastEntryHash: string }>();
      expect(reply).toEqual({
        first: 2,
        last: 4,
        lastEntryHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });

      const read = (await get('/v1/ledger/entries?stream=gate-a')).json<{
        entries: { seq: number; entryHash: string; payload: { outboxSeq: number } }[];
      }>();
      expect(read.entries.map((e) => [e.seq, e.payload.outboxSeq])).toEqual([
        [2, 1],
        [3, 2],
        [4, 3],
      ]);
      // A later entry of another stream does not hide this stream's tail.
      await post('/v1/ledger/entries', entry('other', 9));
      const tail = await get('/v1/ledger/streams/gate-a/last');
      expect(tail.statusCode).toBe(200);
      expect(tail.json()).toEqual(read.entries[2]);
      expect(read.entries[2]?.entryHash).toBe(reply.lastEntryHash);
    });

    it('finds the tail of a stream whose name holds a slash (percent-encoded in the path)', async () => {
      await post('/v1/ledger/batches', { entries: [entry('gate/b', 1)] });
      const res = await get(`/v1/ledger/streams/${encodeURIComponent('gate/b')}/last`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ stream: 'gate/b', payload: { outboxSeq: 1 } });
    });

    it('refuses empty, oversized and invalid batches whole, appending nothing', async () => {
      const before = await head();
      const cases = [
        { entries: [] },
        { entries: Array.from({ length: 1001 }, (_, i) => entry('gate-c', i)) },
        { entries: [entry('gate-c', 1), { ...entry('gate-c', 2), stream: 'bad stream' }] },
        { entries: [entry('gate-c', 1)], extra: true },
      ];
      for (const body of cases) {
        const res = await post('/v1/ledger/batches', body);
        expect(res.statusCode).toBe(400);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
      // An entry the ledger itself refuses (payload over its 64 KiB limit) fails the whole batch.
      const tooBig = await post('/v1/ledger/batches', {
        entries: [
          entry('gate-c', 1),
          { ...entry('gate-c', 2), payload: { x: 'y'.repeat(70_000) } },
        ],
      });
      expect(tooBig.statusCode).toBe(400);
      expect(await head()).toBe(before);
      expect((await get('/v1/ledger/streams/gate-c/last')).statusCode).toBe(404);
    });

    it('appends a batch with ifLastSeq only when the stream tail has that seq', async () => {
      const empty = await post('/v1/ledger/batches', {
        entries: [entry('gate-d', 1)],
        ifLastSeq: 0,
      });
      expect(empty.statusCode).toBe(201);
      const { last } = empty.json<{ last: number }>();

      const stale = await post('/v1/ledger/batches', {
        entries: [entry('gate-d', 2)],
        ifLastSeq: 0,
      });
      expect(stale.statusCode).toBe(409);
      expect(stale.json<Problem>().detail).toContain(`is seq ${last}, not 0`);

      const next = await post('/v1/ledger/batches', {
        entries: [entry('gate-d', 2)],
        ifLastSeq: last,
      });
      expect(next.statusCode).toBe(201);
      expect((await get('/v1/ledger/streams/gate-d/last')).json()).toMatchObject({
        payload: { outboxSeq: 2 },
      });

      const mixed = await post('/v1/ledger/batches', {
        entries: [entry('gate-d', 3), entry('other', 3)],
        ifLastSeq: next.json<{ last: number }>().last,
      });
      expect(mixed.statusCode).toBe(400);
    });

    it('lets exactly one of several concurrent batches with the same ifLastSeq land', async () => {
      const first = await post('/v1/ledger/batches', { entries: [entry('gate-e', 1)] });
      const { last } = first.json<{ last: number }>();
      const answers = await Promise.all(
        Array.from({ length: 5 }, () =>
          post('/v1/ledger/batches', {
            entries: [entry('gate-e', 2), entry('gate-e', 3)],
            ifLastSeq: last,
          }),
        ),
      );
      expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 409, 409, 409, 409]);
      const read = (await get('/v1/ledger/entries?stream=gate-e')).json<{
        entries: { payload: { outboxSeq: number } }[];
      }>();
      expect(read.entries.map((e) => e.payload.outboxSeq)).toEqual([1, 2, 3]);
    });

    it('keeps the chain valid', async () => {
      expect((await get('/v1/ledger/verify')).json()).toMatchObject({ valid: true });
    });
  });
}

suite('ledger batches and stream tails on PGlite', async () => 'memory://');

// PostgreSQL serves concurrent requests on several connections (PGlite runs one query at a
// time), so only there do concurrent conditional batches really race for the stream tail.
const postgres = privatePostgresPart();
describe.skipIf(!postgres.available)('on PostgreSQL', () => {
  let server: PrivateServer | undefined;
  afterAll(async () => {
    await server?.remove();
  });
  suite('ledger batches and stream tails on PostgreSQL', async () => {
    server = await startPrivatePostgres();
    return server.url;
  });
});
