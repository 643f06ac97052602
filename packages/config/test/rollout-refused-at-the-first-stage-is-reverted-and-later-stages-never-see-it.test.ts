import { afterEach, expect, it } from 'vitest';
import { CONFIG, type EngineHarness, engineHarness } from './fixtures/engine-harness.js';

let h: EngineHarness;
afterEach(() => h?.close());

it('reverts the instances that got the version when one refuses it, naming who and why', async () => {
  h = await engineHarness({
    instances: 4,
    recordEvents: true,
    behaviours: {
      'i-1': {
        refuse: (m) =>
          m.version.version === 2 ? '/janitor/intervalSeconds must be >= 10' : undefined,
      },
    },
  });
  await h.publish({ janitor: { enabled: false } });
  await h.publish({ janitor: { enabled: true } });
  const first = await h.engine.startRollout({
    config: CONFIG,
    version: 1,
    startedBy: 'ops',
    bakeMs: 0,
  });
  await h.until(first.id, (s) => s.state === 'completed');
  const sentBefore = h.transport.applies.length;

  const rollout = await h.engine.startRollout({ config: CONFIG, version: 2, startedBy: 'ops' });
  const status = await h.until(rollout.id, (s) => s.state === 'reverted');

  expect(status.cause).toBe('i-1 refused v2: /janitor/intervalSeconds must be >= 10');
  expect(status).toMatchObject({ stage: 0, phase: 'done', mixed: false, unconfirmed: [] });
  expect(status.instances[0]).toMatchObject({
    instance: 'i-1',
    version: 1,
    ack: { result: 'refused', reason: '/janitor/intervalSeconds must be >= 10' },
    revert: { result: 'applied', confirmed: true },
  });
  // The stage's message, then the revert to v1 for that stage's instances; nothing for later ones.
  const sent = h.transport.applies.slice(sentBefore);
  expect(sent.map((m) => [m.reason, m.stage, m.version.version, m.instances])).toEqual([
    ['rollout', 0, 2, ['i-1']],
    ['revert', 0, 1, ['i-1']],
  ]);
  for (const id of ['i-2', 'i-3', 'i-4']) {
    expect(h.instance(id).received.map((m) => m.version.version)).not.toContain(2);
    expect(h.instance(id).version).toBe(1);
  }
  expect(await h.store.currentVersion(CONFIG)).toBe(1);
  const kinds = (await h.store.pendingEvents(100)).map((e) => e.kind);
  expect(kinds.slice(-5)).toEqual([
    'config.ack',
    'config.rollout.revert',
    'config.rollout.apply',
    'config.ack',
    'config.rollout.reverted',
  ]);
  expect(h.clock.pending).toBe(0);
});

it('reverts a first rollout to version 0: an empty document, the files and environment again', async () => {
  h = await engineHarness({
    instances: 2,
    behaviours: { 'i-2': { refuse: () => 'apply failed: smtp host unreachable' } },
  });
  await h.publish({ janitor: { enabled: false } });
  const rollout = await h.engine.startRollout({
    config: CONFIG,
    version: 1,
    startedBy: 'ops',
    bakeMs: 0,
  });
  const status = await h.until(rollout.id, (s) => s.state === 'reverted');
  expect(status.cause).toBe('i-2 refused v1: apply failed: smtp host unreachable');
  // i-1 had applied v1 in stage 1: the revert reaches it and i-2, whose stage failed.
  const revert = h.transport.applies.at(-1);
  expect(revert).toMatchObject({ reason: 'revert', stage: 1, instances: ['i-1', 'i-2'] });
  expect(revert?.version).toMatchObject({ version: 0, document: {} });
  expect(h.instances.map((i) => i.version)).toEqual([0, 0]);
  expect(status.versions).toEqual({ 0: 2 });
});
