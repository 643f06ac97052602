/**
 * HttpWitness fails clearly: a witness that refuses connections, never answers, answers 5xx or
 * answers with garbage is WitnessUnavailableError naming it (never a hang or a raw fetch
 * error); a URL that is not http(s) is refused when the client is made.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@bulwark/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import {
  HttpWitness,
  signCheckpoint,
  WitnessConfigError,
  WitnessUnavailableError,
} from '../src/index.js';
import { testSigner } from './helpers/test-signer.js';

const ORIGIN = 'bulwark.test/remote';

function listen<T extends Server | HttpServer>(server: T): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
}

describe('HttpWitness against a broken witness', () => {
  const sockets: Socket[] = [];
  const silent = createServer((socket) => sockets.push(socket));
  const failing = createHttpServer((request, response) => {
    if (request.url?.endsWith('/checkpoints')) {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"not":"a list"}');
      return;
    }
    response.writeHead(500, { 'content-type': 'application/problem+json' });
    response.end(JSON.stringify({ code: 'BW_INTERNAL', detail: 'an internal error occurred' }));
  });
  afterAll(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
    failing.close();
  });

  it('stops reading an unsized answer that grows past the cap', async () => {
    let sent = 0;
    const endless = createHttpServer((_request, response) => {
      // Chunked, with no length: only the bytes read can show it is too large.
      response.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      const write = () => {
        while (sent < 80 * 1024 * 1024 && response.write(chunk)) sent += chunk.length;
        if (sent < 80 * 1024 * 1024) response.once('drain', write);
        else response.end();
      };
      write();
    });
    const url = await listen(endless);
    try {
      const witness = new HttpWitness({ url, origin: ORIGIN, timeoutMs: 30_000 });
      const error = await witness.list().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WitnessUnavailableError);
      expect((error as Error).message).toMatch(/the answer is larger than 67108864 bytes/);
    } finally {
      endless.closeAllConnections();
      endless.close();
    }
  });

  it('names a witness that refuses connections', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const witness = new HttpWitness({ url, origin: ORIGIN });
    const error = await witness.latest().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WitnessUnavailableError);
    expect((error as Error).message).toBe(`witness ${url}: ECONNREFUSED`);
  });

  it('gives up on a witness that never answers after its timeout', async () => {
    const url = await listen(silent);
    const witness = new HttpWitness({ url, origin: ORIGIN, timeoutMs: 200 });
    const started = performance.now();
    await expect(witness.list()).rejects.toThrow(`witness ${url}: no answer within 200 ms`);
    expect(performance.now() - started).toBeLessThan(10_000);
    const note = await signCheckpoint(
      { origin: ORIGIN, size: 0, root: new Uint8Array(32) },
      testSigner(),
    );
    await expect(witness.submit(note, [], 0)).rejects.toBeInstanceOf(WitnessUnavailableError);
  });

  it('reports a 5xx with its status and a malformed list as unusable', async () => {
    const url = await listen(failing);
    const witness = new HttpWitness({ url, origin: ORIGIN, name: 'witness-b' });
    await expect(witness.latest()).rejects.toThrow(
      'witness witness-b answered 500: an internal error occurred',
    );
    await expect(witness.list()).rejects.toThrow(/witness witness-b: the checkpoint list is not/);
  });

  it('retries once on a pooled connection the witness reset under the request', async () => {
    // Answers the first request of each connection (keep-alive) and resets the connection when
    // a second request arrives on it, as a witness closing an idle connection races a reuse.
    // add-checkpoint is a POST, which fetch itself never retries.
    const served = new WeakMap<object, number>();
    const resetting = createHttpServer((request, response) => {
      const count = (served.get(request.socket) ?? 0) + 1;
      served.set(request.socket, count);
      request.resume();
      request.on('end', () => {
        if (count > 1) {
          request.socket.destroy();
          return;
        }
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.end('\u2014 witness.test/w1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n');
      });
    });
    let connections = 0;
    resetting.on('connection', () => {
      connections += 1;
    });
    const url = await listen(resetting);
    try {
      const witness = new HttpWitness({ url, origin: ORIGIN });
      const note = await signCheckpoint(
        { origin: ORIGIN, size: 0, root: new Uint8Array(32) },
        testSigner(),
      );
      await witness.submit(note, [], 0);
      // Let the connection go back to fetch's pool, so the next request reuses it.
      await sleep(50);
      await witness.submit(note, [], 0);
      expect(connections).toBe(2);
    } finally {
      resetting.closeAllConnections();
      resetting.close();
    }
  });

  it('refuses a URL that is not http(s), and keeps credentials out of its name', () => {
    expect(() => new HttpWitness({ url: 'file:///tmp/witness', origin: ORIGIN })).toThrow(
      WitnessConfigError,
    );
    expect(() => new HttpWitness({ url: 'not a url', origin: ORIGIN })).toThrow(WitnessConfigError);
    expect(
      new HttpWitness({ url: 'https://user:secret@witness.example/w1/', origin: ORIGIN }).name,
    ).toBe('https://witness.example/w1');
  });
});
