import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { Service } from '../src/index.js';
import { baseUrl, testService } from './helpers.js';

const services: Service[] = [];
afterEach(async () => {
  for (const service of services.splice(0)) await service.shutdown();
});

async function started(setup: (service: Service) => void = () => {}) {
  const { service, logs } = testService();
  setup(service);
  services.push(service);
  await service.listen();
  return { service, logs, url: baseUrl(service) };
}

describe('request ids', () => {
  it('gives every request its own request, trace and span ids, the same in its headers and its access line', async () => {
    const { logs, url } = await started((s) => s.app.get('/v1/ping', async () => ({ ok: true })));
    const seen: { requestId: string; traceId: string; spanId: string }[] = [];
    for (let i = 0; i < 300; i++) {
      const response = await request(`${url}/v1/ping`);
      await response.body.dump();
      const [, traceId, spanId] = String(response.headers.traceresponse).split('-');
      seen.push({ requestId: String(response.headers['x-request-id']), traceId, spanId } as never);
    }
    for (const ids of seen) {
      expect(ids.requestId).toMatch(/^[0-9a-f]{32}$/);
      expect(ids.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(ids.spanId).toMatch(/^[0-9a-f]{16}$/);
    }
    for (const key of ['requestId', 'traceId', 'spanId'] as const)
      expect(new Set(seen.map((ids) => ids[key])).size).toBe(seen.length);

    await sleep(20); // access lines leave at the end of the event-loop turn
    const access = logs.records().filter((r) => r.msg === 'request completed');
    expect(access.map((r) => [r.request_id, r.trace_id, r.span_id])).toEqual(
      seen.map((ids) => [ids.requestId, ids.traceId, ids.spanId]),
    );
  });

  it('logs a client that hangs up before its response with that request’s ids', async () => {
    const { logs, service } = await started((s) =>
      s.app.get('/v1/slow', async () => {
        await sleep(200);
        return { ok: true };
      }),
    );
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const socket = connect(service.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      'GET /v1/slow HTTP/1.1\r\nhost: x\r\nx-request-id: hang-up-1\r\n' +
        `traceparent: 00-${traceId}-00f067aa0ba902b7-01\r\n\r\n`,
    );
    await sleep(50);
    socket.destroy();

    const deadline = Date.now() + 5_000;
    let warning: Record<string, unknown> | undefined;
    while (warning === undefined && Date.now() < deadline) {
      await sleep(20);
      warning = logs
        .records()
        .find((r) => r.msg === 'connection closed before the response was sent');
    }
    expect(warning).toMatchObject({
      level: 'warn',
      request_id: 'hang-up-1',
      trace_id: traceId,
      route: '/v1/slow',
    });
    expect(warning?.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(warning?.span_id).not.toBe('00f067aa0ba902b7'); // the server span, child of the caller's
  });
});
