import { afterEach, expect, it } from 'vitest';
import { CONFIG, type EngineHarness, engineHarness } from './fixtures/engine-harness.js';

let h: EngineHarness;
afterEach(() => h?.close());

it('waits for a silent instance until the ack timeout, then reverts, and promotes nothing', async () => {
  h = await engineHarness({ instances: 3, behaviours: { 'i-2': { silent: true } } });
  await h.publish({ janitor: { enabled: false } });
  const rollout = await h.engine.startRollout({ config: CONFIG, version: 1, startedBy: 'ops' });
  await h.until(rollout.id, (s) => s.phase === 'bake');
  await h.advance(10_000);
  await h.until(rollout.id, (s) => s.stage === 1);

  // i-2 says nothing: stage 2 is not promoted however long it waits short of the timeout.
  await h.advance(4_999);
  let status = await h.engine.status(rollout.id);
  expect(status).toMatchObject({ state: 'running', stage: 1, phase: 'acks' });
  expect(h.instance('i-3').received).toEqual([]);

  await h.advance(1);
  status = await h.until(rollout.id, (s) => s.state === 'reverting');
  expect(status.cause).toBe('i-2 did not acknowledge v1 within 5000 ms');
  // The revert goes to i-1 (applied) and i-2 (silent): i-1 confirms, i-2 never does.
  expect(h.transport.applies.at(-1)).toMatchObject({
    reason: 'revert',
    instances: ['i-1', 'i-2'],
    version: { version: 0 },
  });
  await h.until(rollout.id, (s) => s.instances[0]?.revert?.confirmed === true);
  expect((await h.engine.status(rollout.id)).state).toBe('reverting');
  await h.advance(5_000);
  status = await h.until(rollout.id, (s) => s.state === 'reverted');
  expect(status.unconfirmed).toEqual(['i-2']);
  expect(status.instances.map((i) => [i.instance, i.version])).toEqual([
    ['i-1', 0],
    ['i-2', 0],
    ['i-3', 0],
  ]);
  expect(h.instance('i-3').received).toEqual([]);
  expect(h.clock.pending).toBe(0);
});

it('confirms a restarting instance only when it comes back at the version', async () => {
  h = await engineHarness({ instances: 1, behaviours: { 'i-1': { restart: true } } });
  await h.publish({ delivery: { workers: 8 } });
  const rollout = await h.engine.startRollout({
    config: CONFIG,
    version: 1,
    startedBy: 'ops',
    bakeMs: 1_000,
  });
  let status = await h.until(rollout.id, (s) => s.instances[0]?.ack?.result === 'restarting');
  expect(status.instances[0]?.ack?.confirmed).toBe(false);
  expect(status.phase).toBe('acks');

  await h.instance('i-1').comeBack(1);
  status = await h.until(rollout.id, (s) => s.phase === 'bake');
  expect(status.instances[0]).toMatchObject({ version: 1, ack: { confirmed: true } });
  await h.advance(1_000);
  await h.until(rollout.id, (s) => s.state === 'completed');
});

it('reverts a restarting instance that does not come back in time', async () => {
  h = await engineHarness({ instances: 1, behaviours: { 'i-1': { restart: true } } });
  await h.publish({ delivery: { workers: 8 } });
  const rollout = await h.engine.startRollout({ config: CONFIG, version: 1, startedBy: 'ops' });
  await h.until(rollout.id, (s) => s.instances[0]?.ack?.result === 'restarting');
  await h.advance(5_000);
  const status = await h.until(rollout.id, (s) => s.state === 'reverting');
  expect(status.cause).toBe('i-1 restarted for v1 but did not come back at it within 5000 ms');
});
