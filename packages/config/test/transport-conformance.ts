import { afterEach, describe, expect, it } from 'vitest';
import {
  type Ack,
  type ApplyMessage,
  ConfigRegistryError,
  type ConfigTransport,
  type Presence,
  type TransportErrorReporter,
} from '../src/index.js';
import {
  ack,
  applyMessage,
  presence,
  Received,
  uniqueConfig,
  withoutRepeats,
} from './fixtures/config-messages.js';

/**
 * What every ConfigTransport must do, as describe/it blocks: NATS and PostgreSQL run it
 * (nats-transport-conforms.test.ts, postgres-transport-conforms.test.ts), and a transport for
 * another broker (the seeds' Kafka topic) must pass it too before the registry may use it.
 *
 * `open` returns a new transport (its own connections) in the scope the test file prepared (a
 * NATS namespace, a database); the suite closes what it opened after each test. Registry-side
 * handlers that throw must be retried within a second or two: open it with a short retry delay.
 * Every test uses config names of its own, so leftovers of an earlier test cannot interfere.
 */
export interface TransportUnderTest {
  open(options?: OpenOptions): Promise<ConfigTransport>;
}

export interface OpenOptions {
  /** Who the registry side is (NATS: the durable consumers' name); a fresh one starts fresh. */
  readonly registryName?: string;
  readonly onError?: TransportErrorReporter;
}

export function transportConformance(name: string, subject: TransportUnderTest): void {
  describe(`${name} conforms to ConfigTransport`, () => {
    const opened: ConfigTransport[] = [];
    const open = async (options?: OpenOptions) => {
      const transport = await subject.open(options);
      opened.push(transport);
      return transport;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((t) => t.close()));
    });

    it('delivers the apply messages of a config in publish order, and only that config', async () => {
      const config = uniqueConfig();
      const other = uniqueConfig();
      const consumer = await open();
      const registry = await open();
      const received = new Received<ApplyMessage>();
      await consumer.onApply(config, received.push);
      for (let v = 1; v <= 6; v++) {
        await registry.publishApply(applyMessage(config, v));
        await registry.publishApply(applyMessage(other, v));
      }
      await received.until((items) => items.some((m) => m.version.version === 6));
      expect(withoutRepeats(received.items.map((m) => m.version.version))).toEqual([
        1, 2, 3, 4, 5, 6,
      ]);
      expect(received.items.every((m) => m.version.config === config)).toBe(true);
    });

    it('hands a late subscriber the latest message of its config first, before onApply resolves', async () => {
      const config = uniqueConfig();
      const registry = await open();
      for (let v = 1; v <= 3; v++) await registry.publishApply(applyMessage(config, v));
      const consumer = await open();
      const received = new Received<ApplyMessage>();
      await consumer.onApply(config, received.push);
      expect(received.items.map((m) => m.version.version)).toEqual([3]);
      await registry.publishApply(applyMessage(config, 4));
      await received.until((items) => items.some((m) => m.version.version === 4));
      expect(withoutRepeats(received.items.map((m) => m.version.version))).toEqual([3, 4]);
    });

    it('resolves onApply at once for a config that has no message yet', async () => {
      const consumer = await open();
      const received = new Received<ApplyMessage>();
      await consumer.onApply(uniqueConfig(), received.push);
      expect(received.items).toEqual([]);
    });

    it('carries a message far larger than a NOTIFY payload, unchanged', async () => {
      const config = uniqueConfig();
      const document = {
        zeta: 'first key stays first',
        rules: Array.from({ length: 2_000 }, (_, i) => ({ id: `rule-${i}`, weight: i })),
        alpha: true,
      };
      const sent = applyMessage(config, 1, { document, instances: ['a', 'b-2', 'C_3'] });
      const consumer = await open();
      const received = new Received<ApplyMessage>();
      await consumer.onApply(config, received.push);
      const registry = await open();
      await registry.publishApply(sent);
      const [got] = await received.until((items) => items.length > 0);
      expect(JSON.stringify(sent).length).toBeGreaterThan(50_000);
      expect(got).toEqual(sent);
      expect(Object.keys(got?.version.document ?? {})).toEqual(['zeta', 'rules', 'alpha']);
    });

    it('brings acks and presence to the registry side in the order they were sent, with growing seqs', async () => {
      const config = uniqueConfig();
      const registry = await open({ registryName: uniqueConfig('reg') });
      const acks = new Received<{ ack: Ack; seq: number }>();
      const presences = new Received<Presence>();
      await registry.onAck((a, d) => {
        if (a.config === config) acks.push({ ack: a, seq: d.seq });
      });
      await registry.onPresence((p) => {
        if (p.config === config) presences.push(p);
      });
      const consumer = await open();
      await consumer.sendPresence(presence(config, 'i-1', 0));
      await consumer.sendAck(ack(config, 'i-1', 1, 'applied'));
      await consumer.sendAck(ack(config, 'i-2', 1, 'refused'));
      await consumer.sendAck(ack(config, 'i-1', 2, 'restarting'));
      await consumer.sendPresence(presence(config, 'i-1', 1));
      await acks.until((items) => items.length >= 3);
      await presences.until((items) => items.length >= 2);
      expect(acks.items.map(({ ack: a }) => [a.instance, a.version, a.result])).toEqual([
        ['i-1', 1, 'applied'],
        ['i-2', 1, 'refused'],
        ['i-1', 2, 'restarting'],
      ]);
      const seqs = acks.items.map((item) => item.seq);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      expect(new Set(seqs).size).toBe(3);
      expect(presences.items.map((p) => p.version)).toEqual([0, 1]);
    });

    it('gives a registry that starts fresh the latest presence of every instance', async () => {
      const config = uniqueConfig();
      const consumer = await open();
      await consumer.sendPresence(presence(config, 'i-1', 1));
      await consumer.sendPresence(presence(config, 'i-2', 1));
      await consumer.sendPresence(presence(config, 'i-1', 2));
      const registry = await open({ registryName: uniqueConfig('reg') });
      const presences = new Received<Presence>();
      await registry.onPresence((p) => {
        if (p.config === config) presences.push(p);
      });
      await presences.until((items) => items.length >= 2);
      const latest = new Map(presences.items.map((p) => [p.instance, p.version]));
      expect(Object.fromEntries(latest)).toEqual({ 'i-1': 2, 'i-2': 1 });
    });

    it('lets a registry that restarts resume after the last ack it handled, missing none', async () => {
      const config = uniqueConfig();
      const registryName = uniqueConfig('reg');
      const consumer = await open();
      const first = await open({ registryName });
      const before = new Received<{ version: number; seq: number }>();
      await first.onAck((a, d) => {
        if (a.config === config) before.push({ version: a.version, seq: d.seq });
      });
      for (let v = 1; v <= 3; v++) await consumer.sendAck(ack(config, 'i-1', v));
      await before.until((items) => items.length >= 3);
      const stored = Math.max(...before.items.map((item) => item.seq));
      await first.close();
      // Sent while no registry runs.
      for (let v = 4; v <= 5; v++) await consumer.sendAck(ack(config, 'i-1', v));
      const second = await open({ registryName });
      const after = new Received<number>();
      await second.onAck(
        (a) => {
          if (a.config === config) after.push(a.version);
        },
        { afterSeq: stored },
      );
      await after.until((items) => items.includes(5));
      expect(withoutRepeats(after.items)).toEqual([4, 5]);
    });

    it('delivers an ack again when the registry handler throws, and moves on once it returns', async () => {
      const config = uniqueConfig();
      const errors: string[] = [];
      const registry = await open({
        registryName: uniqueConfig('reg'),
        onError: (_error, context) => errors.push(context),
      });
      const seen = new Received<number>();
      let failures = 0;
      await registry.onAck((a) => {
        if (a.config !== config) return;
        seen.push(a.version);
        if (a.version === 1 && failures < 2) {
          failures++;
          throw new Error('registry database briefly unavailable');
        }
      });
      const consumer = await open();
      await consumer.sendAck(ack(config, 'i-1', 1));
      await consumer.sendAck(ack(config, 'i-1', 2));
      await seen.until((items) => items.includes(2));
      expect(seen.items).toEqual([1, 1, 1, 2]);
      expect(errors.some((context) => context.includes('delivered again'))).toBe(true);
    });

    it('reports a throwing consumer handler and keeps delivering', async () => {
      const config = uniqueConfig();
      const errors: string[] = [];
      const consumer = await open({ onError: (_error, context) => errors.push(context) });
      const seen = new Received<number>();
      await consumer.onApply(config, (m) => {
        seen.push(m.version.version);
        if (m.version.version === 1) throw new Error('apply hook broke');
      });
      const registry = await open();
      await registry.publishApply(applyMessage(config, 1));
      await registry.publishApply(applyMessage(config, 2));
      await seen.until((items) => items.includes(2));
      expect(withoutRepeats(seen.items)).toEqual([1, 2]);
      expect(errors.some((context) => context.includes(config))).toBe(true);
    });

    it('waits for a running handler before unsubscribe resolves, and delivers nothing after', async () => {
      const config = uniqueConfig();
      const consumer = await open();
      const registry = await open();
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const started = new Received<number>();
      let finished = 0;
      const unsubscribe = await consumer.onApply(config, async (m) => {
        started.push(m.version.version);
        await held;
        finished++;
      });
      await registry.publishApply(applyMessage(config, 1));
      await started.until((items) => items.length === 1);
      let unsubscribed = false;
      const stopping = unsubscribe().then(() => {
        unsubscribed = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(unsubscribed).toBe(false);
      release();
      await stopping;
      expect(finished).toBe(1);
      await registry.publishApply(applyMessage(config, 2));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(started.items).toEqual([1]);
    });

    it('refuses every call after close() with CONFIG_TRANSPORT_CLOSED', async () => {
      const transport = await open();
      const config = uniqueConfig();
      await transport.close();
      await transport.close();
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['publishApply', () => transport.publishApply(applyMessage(config, 1))],
        ['sendAck', () => transport.sendAck(ack(config, 'i-1', 1))],
        ['sendPresence', () => transport.sendPresence(presence(config, 'i-1', 1))],
        ['onApply', () => transport.onApply(config, () => {})],
        ['onAck', () => transport.onAck(() => {})],
        ['onPresence', () => transport.onPresence(() => {})],
      ];
      for (const [call, run] of calls) {
        const error = await run().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, call).toBeInstanceOf(ConfigRegistryError);
        expect((error as ConfigRegistryError).code, call).toBe('CONFIG_TRANSPORT_CLOSED');
      }
    });

    it('refuses config names and instance ids that would break a subject, before sending', async () => {
      const transport = await open();
      const refusals = [
        () => transport.onApply('bad.name', () => {}),
        () => transport.onApply('all>', () => {}),
        () => transport.publishApply(applyMessage('has space', 1)),
        () => transport.publishApply(applyMessage(uniqueConfig(), 1, { instances: ['i.*'] })),
        () => transport.sendAck(ack(uniqueConfig(), 'pod.ns', 1)),
        () => transport.sendPresence(presence('Upper', 'i-1', 1)),
      ];
      for (const run of refusals) {
        const error = await run().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ConfigRegistryError);
        expect((error as ConfigRegistryError).code).toBe('CONFIG_BAD_NAME');
      }
    });
  });
}
