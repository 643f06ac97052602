import { afterEach, expect, it } from 'vitest';
import { CONFIG, type EngineHarness, engineHarness } from './fixtures/engine-harness.js';

let h: EngineHarness;
afterEach(() => h?.close());

it('reverts when an instance of the stage turns red mid-bake, naming it and what it answered', async () => {
  h = await engineHarness({ instances: 4 });
  await h.publish({ janitor: { enabled: false } });
  const rollout = await h.engine.startRollout({ config: CONFIG, version: 1, startedBy: 'ops' });
  await h.until(rollout.id, (s) => s.phase === 'bake');
  await h.advance(10_000);
  await h.until(rollout.id, (s) => s.stage === 1 && s.phase === 'bake');

  await h.advance(3_000);
  expect((await h.engine.status(rollout.id)).state).toBe('running');
  h.health.red(h.instance('i-2'), 'HTTP 503');
  await h.advance(1_000);

  const status = await h.until(rollout.id, (s) => s.state === 'reverted');
  expect(status.cause).toBe('i-2 health regressed during the bake of stage 2: HTTP 503');
  expect(status.instances.find((i) => i.instance === 'i-2')?.health).toMatchObject({
    green: false,
    detail: 'HTTP 503',
  });
  expect(h.transport.applies.at(-1)).toMatchObject({
    reason: 'revert',
    stage: 1,
    instances: ['i-1', 'i-2'],
  });
  expect(h.instances.map((i) => i.version)).toEqual([0, 0, 0, 0]);
  for (const id of ['i-3', 'i-4']) expect(h.instance(id).received).toEqual([]);
});

it('reverts when an earlier stage turns red during a later bake', async () => {
  h = await engineHarness({ instances: 2 });
  await h.publish({ janitor: { enabled: false } });
  const rollout = await h.engine.startRollout({ config: CONFIG, version: 1, startedBy: 'ops' });
  await h.until(rollout.id, (s) => s.phase === 'bake');
  await h.advance(10_000);
  await h.until(rollout.id, (s) => s.stage === 1 && s.phase === 'bake');
  h.health.red(h.instance('i-1'), 'no answer within 2000 ms');
  await h.advance(1_000);
  const status = await h.until(rollout.id, (s) => s.state === 'reverted');
  expect(status.cause).toBe(
    'i-1 health regressed during the bake of stage 2: no answer within 2000 ms',
  );
});

it('reverts when an instance that applied the version reports another one', async () => {
  h = await engineHarness({ instances: 2 });
  await h.publish({ janitor: { enabled: false } });
  const rollout = await h.engine.startRollout({ config: CONFIG, version: 1, startedBy: 'ops' });
  await h.until(rollout.id, (s) => s.phase === 'bake');
  // Restarted on its files, say: it announces version 0 again.
  await h.instance('i-1').comeBack(0);
  const status = await h.until(rollout.id, (s) => s.state !== 'running');
  expect(status.cause).toBe('i-1 reports v0 after it applied v1');
});
