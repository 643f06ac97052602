import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../src/index.js';
import { testService } from './helpers.js';
import { exchange, parseResponses, type RawResponse } from './raw-http.js';
import { devCertificates, temporaryDir } from './tls-certificates.js';

const work = temporaryDir('bulwark-tls-malformed-');
let service: Service;
let ca: string;

/** Writes raw bytes over TLS and reads until the server closes or a response is complete. */
function exchangeOverTls(request: string): Promise<RawResponse[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port: service.port, host: '127.0.0.1', servername: 'localhost', ca });
    const chunks: Buffer[] = [];
    const done = () => resolve(parseResponses(Buffer.concat(chunks)).responses);
    socket.on('secureConnect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (parseResponses(Buffer.concat(chunks)).responses.length > 0) {
        socket.destroy();
        done();
      }
    });
    socket.on('error', (error) => (chunks.length > 0 ? done() : reject(error)));
    socket.on('close', done);
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer')));
  });
}

beforeAll(async () => {
  const made = await devCertificates(work.dir);
  const [server] = made.services;
  if (!server) throw new Error('no server certificate');
  ca = readFileSync(made.ca.certFile, 'utf8');
  ({ service } = testService({ tls: { certFile: server.certFile, keyFile: server.keyFile } }));
  await service.listen();
});

afterAll(async () => {
  await service?.shutdown();
  work.remove();
});

describe('the kit answers malformed requests over TLS as over plain HTTP', () => {
  it('a header the parser refuses gets problem+json with an errorId, not a bare 400', async () => {
    const [answer] = await exchangeOverTls(
      'GET /live HTTP/1.1\r\nHost: localhost\r\nBad Header: x\r\n\r\n',
    );
    expect(answer?.status).toBe(400);
    expect(answer?.headers['content-type']).toBe('application/problem+json');
    expect(answer?.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    const body = JSON.parse(answer?.body ?? '{}') as Record<string, unknown>;
    expect(body).toMatchObject({ status: 400, code: 'BW_MALFORMED_REQUEST' });
    expect(body.errorId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('an unsupported Expect is served, not answered 417 by Node', async () => {
    const [answer] = await exchangeOverTls(
      'GET /live HTTP/1.1\r\nHost: localhost\r\nExpect: something-else\r\nConnection: close\r\n\r\n',
    );
    expect(answer?.status).toBe(200);
  });

  it('an unknown path gets the kit problem+json 404', async () => {
    const [answer] = await exchangeOverTls(
      'GET /nowhere HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
    );
    expect(answer?.status).toBe(404);
    expect(answer?.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('plain HTTP sent to the HTTPS port is dropped, and the service keeps serving', async () => {
    const plain = await exchange(service.port, 'GET /live HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(plain.responses).toHaveLength(0);
    expect(plain.ended).not.toBe('timeout');
    const [answer] = await exchangeOverTls(
      'GET /live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
    );
    expect(answer?.status).toBe(200);
  });
});
