import { afterEach, expect, it } from 'vitest';
import { CONFIG, type EngineHarness, engineHarness } from './fixtures/engine-harness.js';

let h: EngineHarness;
afterEach(() => h?.close());

it('resumes a stage waiting for acks: publishes it again and promotes on the acks it missed', async () => {
  h = await engineHarness({ instances: 3, behaviours: { 'i-2': { silent: true } } });
  await h.publish({ janitor: { enabled: false } });
  const rollout = await h.engine.startRollout({ config: CONFIG, version: 1, startedBy: 'ops' });
  await h.until(rollout.id, (s) => s.phase === 'bake');
  await h.advance(10_000);
  await h.until(rollout.id, (s) => s.stage === 1);
  const sent = h.transport.applies.length;

  // The registry stops; while it is down, i-2 answers the message it had (the ack waits in
  // the transport), and less than the ack timeout passes.
  await h.engine.close();
  h.instance('i-2').behaviour = {};
  await h.instance('i-2').stop();
  await h.instance('i-2').start();
  await h.restart(2_000);

  const status = await h.until(rollout.id, (s) => s.phase === 'bake' && s.stage === 1);
  expect(status.instances[1]).toMatchObject({
    instance: 'i-2',
    version: 1,
    ack: { confirmed: true },
  });
  // The stage's message went out again (consumers are idempotent).
  expect(h.transport.applies.slice(sent).map((m) => [m.stage, m.instances])).toEqual([
    [1, ['i-2']],
  ]);
  await h.advance(10_000);
  await h.until(rollout.id, (s) => s.stage === 2 && s.phase === 'bake');
  await h.advance(10_000);
  const done = await h.until(rollout.id, (s) => s.state === 'completed');
  expect(done.versions).toEqual({ 1: 3 });
});

it('reverts a stage whose ack deadline passed while the registry was down', async () => {
  h = await engineHarness({ instances: 3, behaviours: { 'i-2': { silent: true } } });
  await h.publish({ janitor: { enabled: false } });
  const rollout = await h.engine.startRollout({ config: CONFIG, version: 1, startedBy: 'ops' });
  await h.until(rollout.id, (s) => s.phase === 'bake');
  await h.advance(10_000);
  await h.until(rollout.id, (s) => s.stage === 1);

  await h.restart(6_000);
  const status = await h.until(rollout.id, (s) => s.state === 'reverting');
  expect(status.cause).toBe(
    "the registry was down past stage 2's deadline; i-2 had not acknowledged v1",
  );
  expect(h.transport.applies.at(-1)).toMatchObject({ reason: 'revert', instances: ['i-1', 'i-2'] });
  await h.until(rollout.id, (s) => s.instances[0]?.revert?.confirmed === true);
  await h.advance(5_000);
  const reverted = await h.until(rollout.id, (s) => s.state === 'reverted');
  // Not every instance confirmed, and status says where each one is.
  expect(reverted.unconfirmed).toEqual(['i-2']);
  expect(reverted.instances.map((i) => [i.instance, i.version])).toEqual([
    ['i-1', 0],
    ['i-2', 0],
    ['i-3', 0],
  ]);
});

it('watches a bake it was down for again from its start, and reverts one that ended meanwhile', async () => {
  h = await engineHarness({ instances: 2 });
  await h.publish({ janitor: { enabled: false } });
  const rollout = await h.engine.startRollout({ config: CONFIG, version: 1, startedBy: 'ops' });
  await h.until(rollout.id, (s) => s.phase === 'bake');

  await h.restart(4_000);
  let status = await h.until(rollout.id, (s) => s.phase === 'bake');
  // The bake restarted: 10 s from the restart, not from its first start.
  await h.advance(9_000);
  expect((await h.engine.status(rollout.id)).stage).toBe(0);
  await h.advance(1_000);
  status = await h.until(rollout.id, (s) => s.stage === 1 && s.phase === 'bake');

  await h.restart(11_000);
  status = await h.until(rollout.id, (s) => s.state === 'reverted');
  expect(status.cause).toBe(
    "the registry was down past the end of stage 2's bake and could not watch its health",
  );
  expect(status.mixed).toBe(false);
  expect(h.instances.map((i) => i.version)).toEqual([0, 0]);
});

it('publishes a revert it had decided on again after a restart, and finishes it', async () => {
  h = await engineHarness({ instances: 2, behaviours: { 'i-1': { refuse: () => 'no' } } });
  await h.publish({ janitor: { enabled: false } });
  h.transport.failNextPublishes(0);
  const rollout = await h.engine.startRollout({ config: CONFIG, version: 1, startedBy: 'ops' });
  // The revert's publish fails while the broker is down: the rollout stays `reverting`.
  h.transport.failNextPublishes(1_000);
  await h.until(rollout.id, (s) => s.state === 'reverting');
  await h.advance(3_000);
  expect((await h.engine.status(rollout.id)).state).toBe('reverting');

  h.transport.failNextPublishes(0);
  await h.restart(0);
  const status = await h.until(rollout.id, (s) => s.state === 'reverted');
  expect(status).toMatchObject({ cause: 'i-1 refused v1: no', unconfirmed: [] });
  expect(h.transport.applies.at(-1)).toMatchObject({ reason: 'revert', instances: ['i-1'] });
});

it('decides about its downtime before anything that arrived meanwhile can move the rollout', async () => {
  h = await engineHarness({ instances: 2 });
  await h.publish({ janitor: { enabled: false } });
  const rollout = await h.engine.startRollout({ config: CONFIG, version: 1, startedBy: 'ops' });
  await h.until(rollout.id, (s) => s.phase === 'bake');
  await h.engine.close();
  // While the registry is down, an instance announces itself: delivered as soon as the new
  // registry subscribes, before the subscription call even returns.
  await h.instance('i-1').announce();
  h.transport.backlogBeforeReturning = true;
  await h.restart(11_000);
  const status = await h.until(rollout.id, (s) => s.state === 'reverted');
  expect(status.cause).toMatch(/^the registry was down past the end of stage 1's bake/);
  expect(h.transport.applies.filter((m) => m.reason === 'rollout')).toHaveLength(1);
});
