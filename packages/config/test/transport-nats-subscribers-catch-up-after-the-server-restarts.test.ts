import { type PrivateServer, privateNatsPart, startPrivateNats } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Ack,
  type ApplyMessage,
  ConfigRegistryError,
  NatsConfigTransport,
} from '../src/index.js';
import {
  ack,
  applyMessage,
  Received,
  uniqueConfig,
  withoutRepeats,
} from './fixtures/config-messages.js';

/**
 * A private nats-server with JetStream (its store in its own dir) is stopped and started again
 * under a running consumer and registry: while it is down, publishing fails with
 * CONFIG_TRANSPORT_FAILED within the request timeout; once it is back, the consumer's ordered
 * consumer and the registry's durable consumer resume and receive what is sent next.
 */
const part = privateNatsPart();
let server: PrivateServer | undefined;
beforeAll(async () => {
  if (part.available) server = await startPrivateNats({ jetstream: true });
});
afterAll(() => server?.remove());

describe.skipIf(!part.available)('NatsConfigTransport across a server restart', () => {
  it('fails publishing while the server is down, and delivers later messages once it is back', async () => {
    const url = server?.url ?? '';
    const errors: string[] = [];
    const open = () =>
      NatsConfigTransport.connect({
        servers: url,
        requestTimeoutMs: 1_000,
        retryDelayMs: 100,
        onError: (_error, context) => errors.push(context),
      });
    const config = uniqueConfig();
    const consumer = await open();
    const registry = await open();
    try {
      const applies = new Received<ApplyMessage>();
      const acks = new Received<Ack>();
      await consumer.onApply(config, applies.push);
      await registry.onAck(acks.push);
      await registry.publishApply(applyMessage(config, 1));
      await consumer.sendAck(ack(config, 'i-1', 1));
      await applies.until((items) => items.length >= 1);
      await acks.until((items) => items.length >= 1);

      await server?.stop();
      const failure = await registry.publishApply(applyMessage(config, 2)).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(ConfigRegistryError);
      expect((failure as ConfigRegistryError).code).toBe('CONFIG_TRANSPORT_FAILED');
      const ackFailure = await consumer.sendAck(ack(config, 'i-1', 2)).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect((ackFailure as ConfigRegistryError).code).toBe('CONFIG_TRANSPORT_FAILED');

      await server?.start();
      // The caller retries what failed: the documented contract. The clients reconnect by
      // themselves; the first publish after the restart may still find them reconnecting.
      await retry(() => registry.publishApply(applyMessage(config, 3)));
      await retry(() => consumer.sendAck(ack(config, 'i-1', 3)));
      await applies.until((items) => items.some((m) => m.version.version === 3), 45_000);
      await acks.until((items) => items.some((a) => a.version === 3), 45_000);
      const versions = withoutRepeats(applies.items.map((m) => m.version.version));
      expect(versions[0]).toBe(1);
      expect(versions.at(-1)).toBe(3);
      expect([...versions].sort()).toEqual(versions);
      expect(withoutRepeats(acks.items.map((a) => a.version)).at(-1)).toBe(3);
    } finally {
      await consumer.close();
      await registry.close();
    }
  });
});

async function retry(run: () => Promise<void>, attempts = 40): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
