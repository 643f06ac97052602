import { afterEach, expect, it } from 'vitest';
import { CONFIG, type EngineHarness, engineHarness } from './fixtures/engine-harness.js';

let h: EngineHarness;
afterEach(() => h?.close());

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: { code?: string; message: string }) => `${error.code}: ${error.message}`,
  );

it('refuses a second rollout of a config while one runs', async () => {
  h = await engineHarness({ instances: 2 });
  await h.publish({ janitor: { enabled: false } });
  await h.publish({ janitor: { enabled: true } });
  const first = await h.engine.startRollout({ config: CONFIG, version: 1, startedBy: 'ops' });
  expect(
    await codeOf(h.engine.startRollout({ config: CONFIG, version: 2, startedBy: 'ops' })),
  ).toBe(
    `CONFIG_ROLLOUT_CONFLICT: config notifications has a rollout running (${first.id}, v0 → v1): one at a time`,
  );
});

it('refuses rollouts that cannot run, saying why', async () => {
  h = await engineHarness({ instances: 2 });
  await h.publish({ janitor: { enabled: false } });
  await h.publish({ janitor: { enabled: true } });
  const start = (fields: Record<string, unknown>) =>
    codeOf(h.engine.startRollout({ config: CONFIG, version: 1, startedBy: 'ops', ...fields }));

  expect(await start({ version: 9 })).toBe(
    'CONFIG_NOT_FOUND: config notifications has no version 9',
  );
  expect(await start({ config: 'Bad Name' })).toMatch(/^CONFIG_BAD_NAME: config name "Bad Name"/);
  expect(await start({ stages: [] })).toBe(
    'CONFIG_ROLLOUT_INVALID: a stage plan has 1 to 20 stages',
  );
  expect(await start({ stages: [{ share: 1.5 }] })).toBe(
    'CONFIG_ROLLOUT_INVALID: stage 1: share must be more than 0 and at most 1',
  );
  expect(await start({ ackTimeoutMs: 0 })).toMatch(/^CONFIG_ROLLOUT_INVALID: ackTimeoutMs/);
  expect(await start({ kind: 'revert', version: 2 })).toBe(
    'CONFIG_ROLLOUT_INVALID: a revert goes back to a version earlier than the current v0; roll v2 out instead',
  );

  const done = await h.engine.startRollout({
    config: CONFIG,
    version: 1,
    startedBy: 'ops',
    bakeMs: 0,
  });
  await h.until(done.id, (s) => s.state === 'completed');
  expect(await start({ version: 1 })).toBe(
    'CONFIG_ROLLOUT_INVALID: the instances of notifications already run v1: nothing to roll out',
  );
  expect(await codeOf(h.engine.status('not-a-rollout'))).toBe(
    'CONFIG_NOT_FOUND: no rollout has id "not-a-rollout"',
  );
});

it('refuses a rollout of a config no instance announced', async () => {
  h = await engineHarness({ instances: 0 });
  await h.publish({ janitor: { enabled: false } });
  expect(
    await codeOf(h.engine.startRollout({ config: CONFIG, version: 1, startedBy: 'ops' })),
  ).toBe(
    'CONFIG_ROLLOUT_INVALID: no instance of notifications is known: consumers announce themselves (Presence) when they start',
  );
});

it('reverts, as a rollout, to an earlier version an operator names', async () => {
  h = await engineHarness({ instances: 2, defaults: { bakeMs: 0 } });
  await h.publish({ janitor: { enabled: false } });
  await h.publish({ janitor: { enabled: true } });
  for (const version of [1, 2]) {
    const r = await h.engine.startRollout({ config: CONFIG, version, startedBy: 'ops' });
    await h.until(r.id, (s) => s.state === 'completed');
  }
  const revert = await h.engine.startRollout({
    config: CONFIG,
    version: 1,
    kind: 'revert',
    startedBy: 'ops',
    reason: 'janitor load',
  });
  expect(revert).toMatchObject({
    kind: 'revert',
    fromVersion: 2,
    toVersion: 1,
    reason: 'janitor load',
  });
  await h.until(revert.id, (s) => s.state === 'completed');
  expect(h.instances.map((i) => i.version)).toEqual([1, 1]);
  expect(await h.store.currentVersion(CONFIG)).toBe(1);
});
