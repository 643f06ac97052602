import { join } from 'node:path';
import { freePort, type SpawnedProcess, spawnTs, systemPart } from '@bulwark/testkit';
import { connect, headers as natsHeaders } from '@nats-io/transport-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { MessageHeaders } from '../src/index.js';
import { testWorker } from './helpers.js';

const entry = join(import.meta.dirname, 'processes', 'test-service.ts');
const procs: SpawnedProcess[] = [];
afterEach(() => {
  for (const proc of procs.splice(0)) proc.kill('SIGKILL');
});

async function start(name: string) {
  const port = await freePort();
  const proc = spawnTs(entry, {
    PORT: String(port),
    TEST_SERVICE_NAME: name,
    BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '0',
  });
  procs.push(proc);
  await proc.waitForLine((line) => line.includes('ready on http'));
  return { proc, url: `http://127.0.0.1:${port}` };
}

const nats = systemPart({
  name: 'NATS server on 127.0.0.1:4222',
  install: 'apt-get install nats-server (then start it with -js)',
  probe: ['bash', '-c', 'exec 3<>/dev/tcp/127.0.0.1/4222'],
});

describe('trace propagation', () => {
  it('gives one request a single trace id in both services’ logs', async () => {
    const upstream = await start('front');
    const downstream = await start('back');
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await request(
      `${upstream.url}/v1/call?url=${encodeURIComponent(`${downstream.url}/v1/slow?ms=1`)}`,
      { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } },
    );
    expect(response.statusCode).toBe(200);
    expect(response.headers.traceresponse).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    await response.body.dump();

    const inFront = await upstream.proc.waitForLine((line) => line.includes('calling downstream'));
    const inBack = await downstream.proc.waitForLine(
      (line) => line.includes('request completed') && line.includes('/v1/slow'),
    );
    const front = JSON.parse(inFront) as Record<string, string>;
    const back = JSON.parse(inBack) as Record<string, string>;
    expect(front.trace_id).toBe(traceId);
    expect(back.trace_id).toBe(traceId);
    expect(front.service).toBe('front');
    expect(back.service).toBe('back');
    // The downstream server span is a child of the upstream's client span, not of its server span.
    expect(back.span_id).not.toBe(front.span_id);
  });

  it('starts a fresh trace when the caller sends none, and ignores a malformed traceparent', async () => {
    const svc = await start('solo');
    const response = await request(`${svc.url}/live`, { headers: { traceparent: 'garbage' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers.traceresponse).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    await response.body.dump();
  });

  it.skipIf(!nats.available)(
    'carries the trace through a real NATS publish and subscribe',
    async () => {
      const exporter = new InMemorySpanExporter();
      const { worker, logs } = testWorker({
        name: 'nats-worker',
        spanProcessors: [new SimpleSpanProcessor(exporter)],
      });
      const nc = await connect({ servers: '127.0.0.1:4222' });
      worker.resources.add('nats', () => nc.drain());
      await worker.start();
      const subject = `bulwark.test.${Date.now()}`;
      const received = new Promise<string | undefined>((resolve) => {
        const sub = nc.subscribe(subject, { max: 1 });
        void (async () => {
          for await (const msg of sub) {
            await worker.tracing.withConsumerSpan(subject, msg.headers as MessageHeaders, () => {
              worker.logger.info('message consumed');
            });
            resolve(msg.headers?.get('traceparent'));
          }
        })();
      });
      const headers = natsHeaders();
      await worker.tracing.withProducerSpan(subject, headers, () => {
        worker.logger.info('message published');
        nc.publish(subject, 'hello', { headers });
      });
      const traceparent = await received;
      // Read before shutdown: shutting the provider down resets the in-memory exporter.
      const spans = exporter.getFinishedSpans();
      await worker.shutdown();

      expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      const producer = spans.find((s) => s.name === `publish ${subject}`);
      const consumer = spans.find((s) => s.name === `process ${subject}`);
      expect(producer).toBeDefined();
      expect(consumer).toBeDefined();
      expect(consumer!.spanContext().traceId).toBe(producer!.spanContext().traceId);
      expect(consumer!.parentSpanContext?.spanId).toBe(producer!.spanContext().spanId);

      const published = logs.records().find((r) => r.msg === 'message published');
      const consumed = logs.records().find((r) => r.msg === 'message consumed');
      expect(published?.trace_id).toBe(producer!.spanContext().traceId);
      expect(consumed?.trace_id).toBe(producer!.spanContext().traceId);
      expect(consumed?.span_id).toBe(consumer!.spanContext().spanId);
    },
  );
});
