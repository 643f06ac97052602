import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type ConfigTransport, NatsConfigTransport } from '../src/index.js';
import { applyMessage, uniqueConfig } from './fixtures/config-messages.js';
import { type Harness, startHarness } from './fixtures/consumer-harness.js';
import { freshNatsNamespace, SHARED_NATS_URL, sharedNats } from './fixtures/transport-servers.js';

/**
 * A ConfigConsumer in a kit service, over NATS JetStream, driven by the registry side of the
 * transport: what it applies, what it refuses (and why, in one line naming the path), that a
 * refusal or a throwing apply leaves the running version in place, and what /health and /metrics
 * say about it.
 */
const scope = freshNatsNamespace();
afterAll(() => (sharedNats.available ? scope.remove() : undefined));

const opened: ConfigTransport[] = [];
let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

async function start(
  instance = 'i-1',
  before?: (config: string, registry: ConfigTransport) => Promise<void>,
) {
  const open = async () => {
    const transport = await NatsConfigTransport.connect({
      servers: SHARED_NATS_URL,
      namespace: scope.namespace,
      registryName: uniqueConfig('reg'),
    });
    opened.push(transport);
    return transport;
  };
  const registrySide = await open();
  harness = await startHarness({
    consumerSide: await open(),
    registrySide,
    instance,
    ...(before === undefined ? {} : { before: (config: string) => before(config, registrySide) }),
  });
  return { h: harness, registry: registrySide };
}

describe.skipIf(!sharedNats.available)('ConfigConsumer', () => {
  it('applies a valid version, then reports it in current(), acks, presence, /health and /metrics', async () => {
    const { h, registry } = await start();
    await h.presences.until((items) => items.some((p) => p.version === 0));
    expect(h.consumer.current().version).toBe(0);

    await registry.publishApply(
      applyMessage(h.config, 1, { document: { janitor: { enabled: false } } }),
    );
    const [ack] = await h.acks.until((items) => items.length >= 1);
    expect(ack).toMatchObject({ version: 1, result: 'applied', instance: 'i-1' });
    expect(h.consumer.current().version).toBe(1);
    // Completed with the schema's defaults: the document gave only what it changes.
    expect(h.consumer.current().value).toMatchObject({
      janitor: { enabled: false, intervalSeconds: 300 },
      delivery: { workers: 4 },
    });
    expect(h.applied.map((a) => a.version)).toEqual([1]);
    await h.presences.until((items) => items.some((p) => p.version === 1));
    expect(h.presences.items.at(-1)?.healthUrl).toBe('http://127.0.0.1:1/health');

    const health = await getJson(`${h.base}/health`);
    expect(health.config).toMatchObject({
      status: 'pass',
      [h.config]: { version: 1, state: 'running', instance: 'i-1' },
    });
    const metrics = await (await fetch(`${h.base}/metrics`)).text();
    expect(metrics).toContain(`config_update_apply_total{config="${h.config}",result="applied"} 1`);
    expect(metrics).toContain(`config_version{config="${h.config}",instance="i-1"} 1`);
  });

  it('refuses a document failing its schema, naming the path, and keeps the running version', async () => {
    const { h, registry } = await start();
    await registry.publishApply(
      applyMessage(h.config, 1, { document: { janitor: { enabled: false } } }),
    );
    await h.acks.until((items) => items.length >= 1);
    await registry.publishApply(
      applyMessage(h.config, 2, { document: { janitor: { enabled: 'nope' } } }),
    );
    const acks = await h.acks.until((items) => items.length >= 2);
    expect(acks[1]).toMatchObject({ version: 2, result: 'refused' });
    expect(acks[1]?.reason).toContain('/janitor/enabled');
    expect(acks[1]?.reason).not.toContain('\n');
    expect(h.consumer.current().version).toBe(1);
    expect(h.applied.map((a) => a.version)).toEqual([1]);
    const health = await getJson(`${h.base}/health`);
    expect(health.config[h.config]).toMatchObject({
      version: 1,
      lastRefused: { version: 2 },
    });
    const metrics = await (await fetch(`${h.base}/metrics`)).text();
    expect(metrics).toContain(`config_update_apply_total{config="${h.config}",result="refused"} 1`);
  });

  it('refuses a literal secret and an unresolvable reference, and resolves a good one at apply', async () => {
    const { h, registry } = await start();
    await registry.publishApply(
      applyMessage(h.config, 1, { document: { smtp: { password: 'hunter2' } } }),
    );
    await registry.publishApply(
      applyMessage(h.config, 2, { document: { smtp: { password: `\${secret:missing}` } } }),
    );
    await registry.publishApply(
      applyMessage(h.config, 3, { document: { smtp: { password: `\${secret:smtp#password}` } } }),
    );
    const acks = await h.acks.until((items) => items.length >= 3);
    expect(acks.map((a) => [a.version, a.result])).toEqual([
      [1, 'refused'],
      [2, 'refused'],
      [3, 'applied'],
    ]);
    expect(acks[0]?.reason).toContain('/smtp/password');
    expect(acks[0]?.reason).not.toContain('hunter2');
    expect(acks[1]?.reason).toContain('/smtp/password');
    expect(h.applied.at(-1)?.value).toMatchObject({ smtp: { password: 'from-the-store' } });
  });

  it('keeps the old version when apply throws, and refuses with its message in one line', async () => {
    const { h, registry } = await start();
    await registry.publishApply(applyMessage(h.config, 1, { document: {} }));
    await h.acks.until((items) => items.length >= 1);
    h.failApply('the janitor would not stop:\n  it holds a lock');
    await registry.publishApply(
      applyMessage(h.config, 2, { document: { janitor: { retentionDays: 7 } } }),
    );
    const acks = await h.acks.until((items) => items.length >= 2);
    expect(acks[1]).toMatchObject({
      version: 2,
      result: 'refused',
      reason: 'apply failed: the janitor would not stop: it holds a lock',
    });
    expect(h.consumer.current().version).toBe(1);
    expect(h.consumer.current().value).toMatchObject({ janitor: { retentionDays: 30 } });
  });

  it('acks a version it already runs again without applying it, and ignores messages for others', async () => {
    const { h, registry } = await start('i-2');
    await registry.publishApply(applyMessage(h.config, 1, { instances: ['i-1'] }));
    await registry.publishApply(
      applyMessage(h.config, 2, { instances: ['i-1', 'i-2'], document: {} }),
    );
    await h.acks.until((items) => items.length >= 1);
    // A revert to the version it runs, from a rollout whose later stage it never got.
    await registry.publishApply(
      applyMessage(h.config, 2, { instances: ['i-2'], rolloutId: 'r-revert', reason: 'revert' }),
    );
    const acks = await h.acks.until((items) => items.length >= 2);
    expect(acks.map((a) => [a.rolloutId, a.version, a.result])).toEqual([
      [`r-${h.config}-2`, 2, 'applied'],
      ['r-revert', 2, 'applied'],
    ]);
    expect(h.applied.map((a) => a.version)).toEqual([2]);
  });
});

async function getJson(url: string): Promise<any> {
  return (await fetch(url)).json();
}
