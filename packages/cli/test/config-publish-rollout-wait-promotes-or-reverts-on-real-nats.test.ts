import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConfigTransport, NatsConfigTransport } from '@bulwark/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startConsumers,
  type TestConsumer,
  until,
} from '../../../services/config-registry/test/fixtures/consumers.js';
import {
  type Registry,
  startRegistry,
} from '../../../services/config-registry/test/fixtures/registry.js';
import {
  freshNatsNamespace,
  SHARED_NATS_URL,
  sharedNats,
} from '../../config/test/fixtures/transport-servers.js';
import { runCli } from './run-cli.js';

/**
 * `bulwark config publish --rollout --wait` and `revert --wait` end to end: the real registry on
 * the machine's NATS (a namespace of this file's own), three real ConfigConsumers in this
 * process. A good update is promoted through every stage (exit 0); one the first stage's
 * consumer refuses is reverted (exit 1, its cause printed) and never reaches the later stages;
 * instances on two versions mid-rollout get the loud line in `status`.
 */
const dir = mkdtempSync(join(tmpdir(), 'bw-config-rollout-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const janitorOff = file('janitor-off.yaml', 'janitor:\n  enabled: false\n');
// Valid for the schema, but the consumers' secret store has no `mailer` secret: refused at apply.
const unresolvable = file('mailer.yaml', `smtp:\n  password: "\${secret:mailer#password}"\n`);
const slower = file('slower.yaml', 'janitor:\n  enabled: false\n  intervalSeconds: 900\n');

const nats = freshNatsNamespace();
let registry: Registry;
let consumerSide: ConfigTransport;
let consumers: TestConsumer[] = [];

beforeAll(async () => {
  if (!sharedNats.available) return;
  registry = await startRegistry({
    NATS_URL: SHARED_NATS_URL,
    BULWARK_CONFIG_NATS_NAMESPACE: nats.namespace,
    BULWARK_CONFIG_HEALTH_INTERVAL_MS: '100',
  });
  consumerSide = await NatsConfigTransport.connect({
    servers: SHARED_NATS_URL,
    namespace: nats.namespace,
  });
  consumers = await startConsumers(consumerSide, ['i-1', 'i-2', 'i-3']);
  await until(
    () => registry.call('GET', '/v1/configs/notifications/instances'),
    (answer) => answer.body.instances.length === 3,
  );
});
afterAll(async () => {
  for (const consumer of consumers) await consumer.stop();
  await consumerSide?.close();
  await registry?.close();
  if (sharedNats.available) await nats.remove();
  rmSync(dir, { recursive: true, force: true });
});

const config = (...args: string[]) => runCli(['config', ...args, '--registry', registry.base]);
const ROLLOUT = [
  '--config',
  'notifications',
  '--rollout',
  '--stages',
  '1,50%,100%',
  '--bake',
  '1s',
  '--ack-timeout',
  '10s',
];
const appliedBy = () => Object.fromEntries(consumers.map((c) => [c.id, [...c.applied]]));

describe.skipIf(!sharedNats.available)('bulwark config publish --rollout --wait on NATS', () => {
  it('promotes the janitor toggle through every stage, exit 0', async () => {
    const run = await config(
      'publish',
      janitorOff,
      ...ROLLOUT,
      '--wait',
      '--message',
      'the janitor toggle',
    );
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^published notifications v1 /);
    // Each stage is shown as it is reached, by its instances, and the end.
    expect(run.stdout).toMatch(
      /rollout notifications none → v1: stage 1\/3 \(i-1\): acknowledged by/,
    );
    expect(run.stdout).toMatch(/stage 2\/3 \(i-2\): /);
    expect(run.stdout).toMatch(/stage 3\/3 \(i-3\): /);
    expect(lines.at(-1)).toBe('rollout notifications none → v1: completed, every stage promoted');
    expect(appliedBy()).toEqual({ 'i-1': [1], 'i-2': [1], 'i-3': [1] });
  });

  it('reverts an update the first stage refuses, exit 1 with its cause; later stages never see it', async () => {
    const run = await config('publish', unresolvable, ...ROLLOUT, '--wait');
    expect(run.code, run.stderr + run.stdout).toBe(1);
    expect(run.stdout).toMatch(/^published notifications v2 /m);
    const last = run.stdout.trimEnd().split('\n').at(-1);
    expect(last).toMatch(/^rollout notifications v1 → v2: reverted at stage 1\/3: .*i-1/);
    expect(last).toMatch(/refused/);
    expect(appliedBy()).toEqual({ 'i-1': [1], 'i-2': [1], 'i-3': [1] });

    const status = JSON.parse(
      (await config('status', '--config', 'notifications', '--format', 'json')).stdout,
    );
    expect(status.rollout).toMatchObject({
      state: 'reverted',
      toVersion: 2,
      fromVersion: 1,
      stage: 0,
    });
    const shown = await config('status', '--rollout', status.rollout.id);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^i-1\s+1\s+v1\s+refused: .+$/m);
    expect(shown.stdout).toMatch(/^i-2\s+2\s+v1\s+not yet sent\s+-/m);
    expect(shown.stdout).not.toContain('MIXED VERSIONS');
  });

  it('says loudly in status that instances run mixed versions while a stage bakes', async () => {
    const started = await config(
      'publish',
      slower,
      '--config',
      'notifications',
      '--rollout',
      '--stages',
      '1,100%',
      '--bake',
      '4s',
      '--format',
      'json',
    );
    expect(started.code, started.stderr).toBe(0);
    const { rollout } = JSON.parse(started.stdout);
    await until(
      () => registry.call('GET', `/v1/rollouts/${rollout.id}`),
      (answer) => answer.body.phase === 'bake' && answer.body.mixed === true,
    );
    const status = await config('status', '--config', 'notifications');
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(
      'MIXED VERSIONS: notifications instances run v1 on 2, v3 on 1 (a rollout is in progress)',
    );
    expect(status.stdout).toMatch(/^i-1\s+v3\s/m);
    // Once, for the config's instances; not again under the rollout's table.
    expect(status.stdout.match(/MIXED VERSIONS/g)).toHaveLength(1);
    expect(status.stdout).toContain('running rollout:');
    const overview = await config('status');
    expect(overview.stdout).toContain(
      'MIXED VERSIONS: notifications instances run v1 on 2, v3 on 1',
    );
    await until(
      () => registry.call('GET', `/v1/rollouts/${rollout.id}`),
      (answer) => answer.body.state === 'completed',
    );
    expect((await config('status', '--config', 'notifications')).stdout).not.toContain('MIXED');
  });

  it('reverts to an earlier version through a staged rollout, exit 0 once every instance runs it', async () => {
    const run = await config(
      'revert',
      '--config',
      'notifications',
      '--to',
      '1',
      '--bake',
      '0s',
      '--wait',
      '--reason',
      'back to the toggle',
    );
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe(
      'revert notifications v3 → v1: completed, every stage promoted',
    );
    for (const consumer of consumers) expect(consumer.consumer.current()?.version).toBe(1);
    const history = await config('history', '--config', 'notifications');
    expect(history.stdout).toMatch(/^v1 \(current\)\s/m);
    expect(history.stdout).toMatch(/^v3\s/m);
  });
});
