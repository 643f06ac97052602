import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startMemuCore, unitVector } from './fixtures/memu-core.js';
import { memuCoreOverRealLedger, startRealLedger } from './fixtures/real-ledger.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const { ledger, memu } = memuCoreOverRealLedger();

describe('memu-core /v1/memories against the real ledger', () => {
  const ids: Record<string, string> = {};

  it('writes a batch in one call: ids, digests, bi-temporal times, and one ledger entry per memory', async () => {
    const written = await memu.call('POST', '/v1/memories', {
      memories: [
        {
          namespace: 'agent-1',
          subject: 'alice',
          content: 'Alice drinks black coffee every morning',
        },
        { namespace: 'agent-1', subject: 'alice', content: 'Alice lives in Lisbon' },
        { namespace: 'agent-1', subject: 'bob', content: 'Bob prefers green tea to coffee' },
        { namespace: 'agent-2', subject: 'carol', content: 'Carol drinks coffee with milk' },
        {
          namespace: 'agent-1',
          subject: 'alice',
          content: 'Alice worked at the harbour office',
          validFrom: '2020-01-01T00:00:00.000Z',
          validTo: '2021-01-01T00:00:00.000Z',
        },
      ],
    });
    expect(written.status).toBe(201);
    const memories = written.body.memories;
    expect(memories).toHaveLength(5);
    for (const m of memories) {
      expect(m.contentDigest).toBe(sha256(m.content));
      expect(m.state).toBe('current');
      expect(m.supersededAt).toBeNull();
    }
    expect(memories[4].validFrom).toBe('2020-01-01T00:00:00.000Z');
    ids.coffee = memories[0].id;
    ids.lisbon = memories[1].id;
    ids.tea = memories[2].id;
    ids.carol = memories[3].id;
    ids.harbour = memories[4].id;

    const entries = await ledger.entries('memu-core');
    expect(entries.map((e) => e.kind)).toEqual(Array(5).fill('memory.write'));
    expect(entries.map((e) => e.payload.contentDigest)).toEqual(
      memories.map((m: { contentDigest: string }) => m.contentDigest),
    );
    expect(entries.every((e) => e.actor === 'anonymous')).toBe(true);
  });

  it('searches by text within a namespace, nearest first', async () => {
    const found = await memu.call('POST', '/v1/memories/search', {
      text: 'Alice drinks black coffee',
      namespace: 'agent-1',
      k: 3,
    });
    expect(found.status).toBe(200);
    const results = found.body.results;
    expect(results).toHaveLength(3);
    expect(results[0].memory.id).toBe(ids.coffee);
    expect(
      results.every((r: { memory: { namespace: string } }) => r.memory.namespace === 'agent-1'),
    ).toBe(true);
    expect(results[0].similarity).toBeGreaterThan(results[1].similarity);
  });

  it('filters by subject and by valid time', async () => {
    const bob = await memu.call('POST', '/v1/memories/search', {
      text: 'coffee',
      subject: 'bob',
      k: 10,
    });
    expect(bob.body.results.map((r: { memory: { id: string } }) => r.memory.id)).toEqual([ids.tea]);
    const in2020 = await memu.call('POST', '/v1/memories/search', {
      text: 'harbour office',
      namespace: 'agent-1',
      validAt: '2020-06-01T00:00:00.000Z',
      k: 10,
    });
    expect(in2020.body.results.map((r: { memory: { id: string } }) => r.memory.id)).toEqual([
      ids.harbour,
    ]);
    const now = await memu.call('POST', '/v1/memories/search', {
      text: 'harbour office',
      namespace: 'agent-1',
      validAt: new Date().toISOString(),
      k: 10,
    });
    const nowIds = now.body.results.map((r: { memory: { id: string } }) => r.memory.id);
    expect(nowIds).not.toContain(ids.harbour);
    expect(nowIds).toContain(ids.coffee);
  });

  it('searches by vector: the memory written with that vector comes first', async () => {
    const written = await memu.call('POST', '/v1/memories', {
      memories: [
        { namespace: 'vectors', subject: 's', content: 'axis 3', embedding: unitVector(3) },
        { namespace: 'vectors', subject: 's', content: 'axis 7', embedding: unitVector(7) },
        {
          namespace: 'vectors',
          subject: 's',
          content: 'axis 3 tilted',
          embedding: unitVector(3, 0.5),
        },
      ],
    });
    expect(written.status).toBe(201);
    const found = await memu.call('POST', '/v1/memories/search', {
      vector: unitVector(3),
      namespace: 'vectors',
      k: 2,
    });
    expect(found.status).toBe(200);
    expect(
      found.body.results.map((r: { memory: { content: string } }) => r.memory.content),
    ).toEqual(['axis 3', 'axis 3 tilted']);
    expect(found.body.results[0].similarity).toBeCloseTo(1, 5);
  });

  it('supersedes: the old memory is closed, not deleted, and asOf still finds it', async () => {
    const old = (await memu.call('GET', `/v1/memories/${ids.lisbon}`)).body;
    const answer = await memu.call('POST', `/v1/memories/${ids.lisbon}/supersede`, {
      content: 'Alice lives in Berlin',
    });
    expect(answer.status).toBe(201);
    const { superseded, memory } = answer.body;
    expect(superseded.id).toBe(ids.lisbon);
    expect(superseded.state).toBe('superseded');
    expect(superseded.supersededBy).toBe(memory.id);
    expect(superseded.content).toBe('Alice lives in Lisbon');
    expect(memory).toMatchObject({ namespace: 'agent-1', subject: 'alice', state: 'current' });

    const search = (extra: Record<string, unknown>) =>
      memu
        .call('POST', '/v1/memories/search', {
          text: 'Where does Alice live',
          namespace: 'agent-1',
          subject: 'alice',
          k: 10,
          ...extra,
        })
        .then((r) => r.body.results.map((x: { memory: { id: string } }) => x.memory.id));
    const current = await search({});
    expect(current).toContain(memory.id);
    expect(current).not.toContain(ids.lisbon);
    const asOf = await search({ asOf: old.recordedAt });
    expect(asOf).toContain(ids.lisbon);
    expect(asOf).not.toContain(memory.id);

    const again = await memu.call('POST', `/v1/memories/${ids.lisbon}/supersede`, {
      content: 'Alice lives in Rome',
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('MEMU_MEMORY_CLOSED');

    const last = (await ledger.entries('memu-core')).at(-1);
    expect(last?.kind).toBe('memory.supersede');
    expect(last?.payload).toMatchObject({
      id: ids.lisbon,
      previousDigest: sha256('Alice lives in Lisbon'),
      contentDigest: sha256('Alice lives in Berlin'),
    });
  });

  it('forgets: the content is gone, the tombstone keeps the digest, the ledger has it', async () => {
    const forgotten = await memu.call('DELETE', `/v1/memories/${ids.coffee}`);
    expect(forgotten.status).toBe(200);
    expect(forgotten.body).toMatchObject({
      id: ids.coffee,
      content: null,
      contentDigest: sha256('Alice drinks black coffee every morning'),
      state: 'forgotten',
    });
    const tombstone = await memu.call('GET', `/v1/memories/${ids.coffee}`);
    expect(tombstone.status).toBe(200);
    expect(tombstone.body.content).toBeNull();
    expect(tombstone.body.metadata).toEqual({});
    const search = await memu.call('POST', '/v1/memories/search', {
      text: 'Alice drinks black coffee every morning',
      namespace: 'agent-1',
      k: 10,
      includeSuperseded: true,
    });
    expect(search.body.results.map((r: { memory: { id: string } }) => r.memory.id)).not.toContain(
      ids.coffee,
    );
    const last = (await ledger.entries('memu-core')).at(-1);
    expect(last?.kind).toBe('memory.forget');
    expect(last?.payload).toMatchObject({
      id: ids.coffee,
      contentDigest: tombstone.body.contentDigest,
    });
    // Forgetting again changes nothing and records nothing.
    const before = (await ledger.entries('memu-core')).length;
    const again = await memu.call('DELETE', `/v1/memories/${ids.coffee}`);
    expect(again.status).toBe(200);
    expect((await ledger.entries('memu-core')).length).toBe(before);
  });

  it('keeps retention policies per namespace, and a legal hold refuses forget with nothing recorded', async () => {
    expect((await memu.call('GET', '/v1/namespaces/agent-2/retention')).status).toBe(404);
    const put = await memu.call('PUT', '/v1/namespaces/agent-2/retention', {
      maxAgeMs: 86_400_000,
      legalHold: true,
    });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      namespace: 'agent-2',
      maxAgeMs: 86_400_000,
      maxCount: null,
      legalHold: true,
    });
    expect((await memu.call('GET', '/v1/namespaces/agent-2/retention')).body).toEqual(put.body);
    const before = (await ledger.entries('memu-core')).length;
    const refused = await memu.call('DELETE', `/v1/memories/${ids.carol}`);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('MEMU_LEGAL_HOLD');
    expect((await memu.call('GET', `/v1/memories/${ids.carol}`)).body.content).toBe(
      'Carol drinks coffee with milk',
    );
    expect((await ledger.entries('memu-core')).length).toBe(before);
  });

  it('serves the canary report: cpu-only with GPU_ENABLED unset', async () => {
    const canary = await memu.call('GET', '/v1/embeddings/canary');
    expect(canary.status).toBe(200);
    expect(canary.body).toMatchObject({ enabled: false, mode: 'cpu-only', promotable: false });
  });
});

describe('memu-core without a ledger that acknowledges', () => {
  it('refuses writes, supersedes and forgets with 503 and changes nothing (fail closed)', async () => {
    const lost = await startRealLedger();
    const orphan = await startMemuCore({ BULWARK_LEDGER_URL: lost.url });
    try {
      const kept = await orphan.call('POST', '/v1/memories', {
        memories: [{ namespace: 'n', subject: 's', content: 'stored while the ledger was up' }],
      });
      expect(kept.status).toBe(201);
      const id = kept.body.memories[0].id;
      await lost.close();

      const refusals = [
        await orphan.call('POST', '/v1/memories', {
          memories: [{ namespace: 'n', subject: 's', content: 'never stored' }],
        }),
        await orphan.call('POST', `/v1/memories/${id}/supersede`, { content: 'never stored' }),
        await orphan.call('DELETE', `/v1/memories/${id}`),
      ];
      for (const refused of refusals) {
        expect(refused.status).toBe(503);
        expect(refused.contentType).toContain('application/problem+json');
        expect(refused.body.code).toBe('BW_DEPENDENCY_UNAVAILABLE');
      }
      const search = await orphan.call('POST', '/v1/memories/search', {
        text: 'never stored',
        namespace: 'n',
        k: 5,
        includeSuperseded: true,
      });
      expect(search.body.results.map((r: { memory: { id: string } }) => r.memory.id)).toEqual([id]);
      expect((await orphan.call('GET', `/v1/memories/${id}`)).body).toMatchObject({
        state: 'current',
        content: 'stored while the ledger was up',
      });
    } finally {
      await orphan.close();
    }
  });
});
