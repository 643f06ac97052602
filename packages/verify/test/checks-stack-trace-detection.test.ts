import { describe, expect, it } from 'vitest';
import { findStackTrace } from '../src/checks/live/stack-trace.js';

describe('findStackTrace', () => {
  const error = new TypeError('boom');

  it.each([
    ['a raw V8 stack', String(error.stack)],
    ['a stack inside a JSON string', JSON.stringify({ detail: error.stack })],
    ['a "stack" member', JSON.stringify({ title: 'x', stack: ['frame'] })],
    ['a nested stack member', JSON.stringify({ error: { cause: { Stack: 'x' } } })],
    ['a frame without a function name', 'failed\n    at /srv/app/dist/main.js:10:5'],
    [
      'a node: internal frame',
      'x\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
    ],
    ['a node_modules path', '{"detail":"in /app/node_modules/fastify/lib/route.js"}'],
    ['a source position', 'Cannot read properties of undefined (/srv/src/handler.ts:42:7)'],
    ['a Python traceback', 'Traceback (most recent call last):\n  File "app.py", line 3'],
    ['a JVM frame', 'java.lang.NullPointerException\n\tat com.acme.Api.get(Api.java:42)'],
  ])('finds %s', (_name, body) => {
    expect(findStackTrace(body)).toBeDefined();
  });

  it.each([
    [
      'a kit problem body',
      JSON.stringify({
        type: 'urn:bulwark:problem:bw_not_found',
        title: 'Not Found',
        status: 404,
        detail: 'no route matches this method and path',
        instance: '/v1/items/at/home',
        code: 'BW_NOT_FOUND',
        errorId: '9a9ff31d-b145-4f90-b46e-1cc8c709ccba',
        requestId: 'a243e6f7',
      }),
    ],
    ['prose with "at"', 'the service is at capacity; try again at 10:30'],
    ['an error name without a stack', '{"title":"ValidationError: id is required"}'],
    ['a trace id member', '{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","errorId":"e"}'],
  ])('leaves %s alone', (_name, body) => {
    expect(findStackTrace(body)).toBeUndefined();
  });

  it('quotes what it found on one short line', () => {
    const found = findStackTrace(String(error.stack));
    expect(found?.excerpt).not.toContain('\n');
    expect(found?.excerpt.length).toBeLessThanOrEqual(101);
  });
});
