import { afterEach, expect, it } from 'vitest';
import { CONFIG, type EngineHarness, engineHarness } from './fixtures/engine-harness.js';

let h: EngineHarness;
afterEach(() => h?.close());

it('sends the version to one instance, then half, then all, promoting each stage after its bake', async () => {
  h = await engineHarness({ instances: 4, recordEvents: true });
  const v1 = await h.publish({ janitor: { enabled: false } });
  expect(v1.version).toBe(1);

  const started = await h.engine.startRollout({ config: CONFIG, version: 1, startedBy: 'ops' });
  expect(started).toMatchObject({ state: 'running', stage: 0, stageCount: 3, fromVersion: 0 });
  expect(started.instances.map((i) => [i.instance, i.stage])).toEqual([
    ['i-1', 0],
    ['i-2', 1],
    ['i-3', 2],
    ['i-4', 2],
  ]);

  // Stage 1: only i-1 gets v1; once it acknowledged, the bake reads its health.
  let status = await h.until(started.id, (s) => s.phase === 'bake');
  expect(h.transport.applies.map((m) => m.instances)).toEqual([['i-1']]);
  expect(status.instances[0]).toMatchObject({
    version: 1,
    ack: { result: 'applied', confirmed: true },
  });
  expect(h.health.reads).toContain('mem://i-1/health');

  // Not promoted before the bake ends.
  await h.advance(9_000);
  expect((await h.engine.status(started.id)).stage).toBe(0);
  expect(h.instance('i-2').received).toEqual([]);
  await h.advance(1_000);

  status = await h.until(started.id, (s) => s.stage === 1 && s.phase === 'bake');
  expect(h.transport.applies.map((m) => m.instances)).toEqual([['i-1'], ['i-2']]);
  expect(status.mixed).toBe(true);
  await h.advance(10_000);

  status = await h.until(started.id, (s) => s.stage === 2 && s.phase === 'bake');
  // The bake of a later stage reads every instance that has the version, earlier stages too.
  const reads = h.health.reads.length;
  await h.advance(10_000);
  const late = h.health.reads.slice(reads);
  for (const id of ['i-1', 'i-2', 'i-3', 'i-4']) expect(late).toContain(`mem://${id}/health`);

  status = await h.until(started.id, (s) => s.state === 'completed');
  expect(status).toMatchObject({ phase: 'done', mixed: false, versions: { 1: 4 }, cause: null });
  expect(h.transport.applies.map((m) => [m.reason, m.stage, m.instances])).toEqual([
    ['rollout', 0, ['i-1']],
    ['rollout', 1, ['i-2']],
    ['rollout', 2, ['i-3', 'i-4']],
  ]);
  expect(h.instances.map((i) => i.version)).toEqual([1, 1, 1, 1]);
  expect(await h.store.currentVersion(CONFIG)).toBe(1);
  expect(h.clock.pending).toBe(0);

  // Every publish, acknowledgement and promotion is waiting for the ledger, in order.
  const events = await h.store.pendingEvents(100);
  expect(events.map((e) => e.kind)).toEqual([
    'config.rollout.apply',
    'config.ack',
    'config.rollout.promote',
    'config.rollout.apply',
    'config.ack',
    'config.rollout.promote',
    'config.rollout.apply',
    'config.ack',
    'config.ack',
    'config.rollout.promote',
    'config.rollout.complete',
  ]);
  expect(events[1]).toMatchObject({
    actor: 'i-1',
    payload: { rolloutId: started.id, instance: 'i-1', version: 1, result: 'applied' },
  });
});

it('rolls the next version out from the one the last rollout completed', async () => {
  h = await engineHarness({ instances: 2, defaults: { bakeMs: 0 } });
  await h.publish({ janitor: { enabled: false } });
  await h.publish({ janitor: { enabled: true, intervalSeconds: 60 } });
  const first = await h.engine.startRollout({ config: CONFIG, version: 1, startedBy: 'ops' });
  await h.until(first.id, (s) => s.state === 'completed');

  const second = await h.engine.startRollout({
    config: CONFIG,
    version: 2,
    startedBy: 'ops',
    stages: [{ share: 1 }],
  });
  expect(second).toMatchObject({ fromVersion: 1, toVersion: 2, stageCount: 1 });
  const done = await h.until(second.id, (s) => s.state === 'completed');
  expect(done.versions).toEqual({ 2: 2 });
  expect(h.transport.applies.at(-1)?.instances).toEqual(['i-1', 'i-2']);
});
