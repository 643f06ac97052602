import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Type } from '@sinclair/typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { LINGER_BYTES } from '../src/http/lingering-close.js';
import type { Service } from '../src/index.js';
import { testService } from './helpers.js';
import { exchange, parseResponses } from './raw-http.js';

let service: Service | undefined;
afterEach(async () => {
  await service?.shutdown();
  service = undefined;
});

const CHUNK = Buffer.alloc(16 * 1024, 0x20);
const CHUNKS = 40; // 640 KiB, inside the server's linger bound

/**
 * A client that uploads slowly and reads only once it has sent everything, as a blocking HTTP
 * client does. When the server answers early and closes on it with upload bytes unread, the
 * client's next write meets a reset and it never sees the answer.
 */
function slowUpload(
  port: number,
  head: string,
  frame: (chunk: Buffer) => Buffer | string,
): Promise<{ received: Buffer; writeError?: string; sent: number }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.pause();
    const received: Buffer[] = [];
    let writeError: string | undefined;
    let sent = 0;
    socket.on('error', (error: NodeJS.ErrnoException) => {
      writeError ??= error.code ?? error.message;
    });
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('close', () => resolve({ received: Buffer.concat(received), writeError, sent }));
    socket.write(head);
    void (async () => {
      for (let i = 0; i < CHUNKS && !socket.destroyed; i++) {
        socket.write(frame(CHUNK));
        sent++;
        await sleep(5);
      }
      // Everything sent: now read the answer, then hang up.
      socket.resume();
      socket.once('end', () => socket.end());
      setTimeout(() => socket.destroy(), 5_000).unref();
    })();
  });
}

async function started(): Promise<number> {
  const { service: svc } = testService({ http: { port: 0, bodyLimitBytes: 1024 } });
  service = svc;
  svc.app.post(
    '/v1/upload',
    { schema: { body: Type.Object({ n: Type.Integer() }) } },
    async () => ({ ok: true }),
  );
  await svc.listen();
  return svc.port;
}

function expectComplete413(result: { received: Buffer; writeError?: string }) {
  const { responses } = parseResponses(result.received);
  expect(responses, `write error: ${result.writeError}`).toHaveLength(1);
  const [response] = responses;
  expect(response?.status).toBe(413);
  expect(response?.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response?.headers.connection).toBe('close');
  const problem = JSON.parse(response!.body) as Record<string, unknown>;
  expect(problem).toMatchObject({ status: 413, detail: 'the request body is too large' });
  expect(problem.errorId).toMatch(/^[0-9a-f-]{36}$/);
}

describe('an error answered while the request body is still being sent', () => {
  it('reaches a client that declared a large Content-Length and keeps uploading', async () => {
    const port = await started();
    const result = await slowUpload(
      port,
      `POST /v1/upload HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: ${8 * 1024 * 1024}\r\n\r\n`,
      (chunk) => chunk,
    );
    expect(result.sent).toBe(CHUNKS);
    expect(CHUNK.length * CHUNKS).toBeLessThan(LINGER_BYTES);
    expectComplete413(result);
  });

  it('reaches a client whose chunked upload passes the body limit and keeps going', async () => {
    const port = await started();
    const result = await slowUpload(
      port,
      'POST /v1/upload HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
      (chunk) =>
        Buffer.concat([
          Buffer.from(`${chunk.length.toString(16)}\r\n`),
          chunk,
          Buffer.from('\r\n'),
        ]),
    );
    expect(result.sent).toBe(CHUNKS);
    expectComplete413(result);
  });

  it('still closes a connection whose client never stops sending', async () => {
    const port = await started();
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    const closed = new Promise<number>((resolve) => {
      const begun = performance.now();
      socket.on('close', () => resolve(performance.now() - begun));
    });
    socket.write(
      `POST /v1/upload HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: ${64 * 1024 * 1024}\r\n\r\n`,
    );
    const flood = setInterval(() => {
      if (!socket.destroyed) socket.write(Buffer.alloc(256 * 1024));
    }, 2);
    const elapsed = await closed;
    clearInterval(flood);
    expect(Buffer.concat(received).toString('latin1')).toMatch(/^HTTP\/1\.1 413 /);
    // A generous sanity bound: the linger ends (bytes, then time), it is not open-ended.
    expect(elapsed).toBeLessThan(15_000);
  });

  it('keeps the connection when the unread body is small, reading it to its end', async () => {
    const port = await started();
    const body = '{"n":1}';
    const { responses } = await exchange(
      port,
      `POST /v1/nowhere HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}` +
        'GET /live HTTP/1.1\r\nHost: a\r\n\r\n',
      { expect: 2 },
    );
    expect(responses.map((r) => r.status)).toEqual([404, 200]);
    expect(responses[0]?.headers.connection).not.toBe('close');
  });
});
