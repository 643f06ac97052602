import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { METRICS, WORKER_METRIC_FAMILIES } from '../src/index.js';
import { testWorker } from './helpers.js';
import { exchange } from './raw-http.js';

describe('worker mode', () => {
  it('serves the ops endpoints and a heartbeat, and aborts its work on shutdown', async () => {
    const { worker, logs } = testWorker({ name: 'queue-worker' });
    let processed = 0;
    let sawAbort = false;
    worker.tasks.run('consume', async (signal) => {
      while (!signal.aborted) {
        processed++;
        worker.heartbeat();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      sawAbort = true;
    });
    const closed: string[] = [];
    worker.resources.add('queue', () => {
      closed.push('queue');
    });
    await worker.start();
    const ops = `http://127.0.0.1:${worker.port}`;

    for (const path of ['/live', '/startup', '/ready', '/health']) {
      const response = await request(`${ops}${path}`);
      expect(response.statusCode, path).toBe(200);
      await response.body.dump();
    }
    const metrics = await (await request(`${ops}/metrics`)).body.text();
    for (const family of WORKER_METRIC_FAMILIES) expect(metrics).toContain(`# TYPE ${family} `);
    // A worker serves no public requests, so it has no request families.
    expect(metrics).not.toContain(METRICS.requestDuration);
    const heartbeat = Number(
      metrics.match(new RegExp(`^${METRICS.workerHeartbeat} (\\S+)`, 'm'))?.[1],
    );
    expect(Date.now() / 1000 - heartbeat).toBeLessThan(5);
    // A worker has no public API on its ops port.
    const other = await request(`${ops}/v1/anything`);
    expect(other.statusCode).toBe(404);
    expect(other.headers['content-type']).toMatch(/problem\+json/);
    await other.body.dump();
    // Bytes Node's parser rejects are answered as problem+json on the ops port too.
    const malformed = await exchange(worker.port, 'GET /live HTTP/1.1\r\nbad header\r\n\r\n', {
      expect: 1,
    });
    expect(malformed.responses[0]?.status).toBe(400);
    expect(malformed.responses[0]?.headers['content-type']).toMatch(/problem\+json/);
    expect(JSON.parse(malformed.responses[0]?.body ?? '{}')).toMatchObject({
      code: 'BW_MALFORMED_REQUEST',
      errorId: expect.any(String),
    });

    const outcome = await worker.shutdown('test');
    expect(outcome.failedPhase).toBeUndefined();
    expect(sawAbort).toBe(true);
    expect(processed).toBeGreaterThan(0);
    expect(closed).toEqual(['queue']);
    const phases = logs.records().flatMap((r) => (typeof r.phase === 'string' ? [r.phase] : []));
    expect(phases).toEqual(['drain-delay', 'abort-tasks', 'close-resources', 'close-ops-server']);
  });
});
