import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { baseUrl, testService } from './helpers.js';

describe('OTLP export', () => {
  it('sends request spans to the configured collector and flushes them on shutdown', async () => {
    const bodies: string[] = [];
    const collector = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        if (req.url === '/v1/traces') bodies.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const port = (collector.address() as AddressInfo).port;

    const { service } = testService({
      tracing: { otlpEndpoint: `http://127.0.0.1:${port}/v1/traces` },
    });
    service.app.get('/v1/ping/:id', async () => ({ pong: true }));
    await service.listen();
    const response = await request(`${baseUrl(service)}/v1/ping/7`, {
      headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    });
    await response.body.dump();
    // The batch processor holds the span; the telemetry resource flushes it during shutdown.
    await service.shutdown();
    collector.close();

    const exported = bodies.join('\n');
    expect(exported).toContain('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(exported).toContain('GET /v1/ping/:id');
    expect(exported).toContain('kit-test');
  });
});
