import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { freePort } from '@bulwark/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedirectListener } from '../src/tls/redirect-listener.js';
import { testService } from './helpers.js';
import { exchange } from './raw-http.js';
import { devCertificates, httpsRequest, temporaryDir } from './tls-certificates.js';

let redirect: Awaited<ReturnType<typeof startRedirectListener>>;

async function redirectOf(target: string, host: string | undefined) {
  const head = host === undefined ? '' : `Host: ${host}\r\n`;
  const { responses } = await exchange(
    redirect.port,
    `GET ${target} HTTP/1.1\r\n${head}Connection: close\r\n\r\n`,
    { expect: 1 },
  );
  return responses[0];
}

beforeAll(async () => {
  redirect = await startRedirectListener({ host: '127.0.0.1', port: 0, httpsPort: 8443 });
});
afterAll(() => redirect.close());

describe('the redirect listener', () => {
  it('answers 308 to the same path and query over HTTPS, with a small problem+json body', async () => {
    const answer = await redirectOf('/v1/orders/7?expand=lines&x=%20y', 'api.example.com:8080');
    expect(answer?.status).toBe(308);
    expect(answer?.headers.location).toBe(
      'https://api.example.com:8443/v1/orders/7?expand=lines&x=%20y',
    );
    expect(answer?.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(answer?.body ?? '{}')).toMatchObject({ status: 308 });
  });

  it('keeps IPv4 and bracketed IPv6 hosts', async () => {
    expect((await redirectOf('/', '10.1.2.3:80'))?.headers.location).toBe('https://10.1.2.3:8443/');
    expect((await redirectOf('/', '[::1]:80'))?.headers.location).toBe('https://[::1]:8443/');
  });

  it.each([
    ['a path in the host', 'evil.example/phish'],
    ['userinfo', 'user@evil.example'],
    ['a port that is not one', 'evil.example:80@other'],
    ['percent-encoded CR LF', 'evil.example%0d%0aSet-Cookie:%20a=b'],
    ['markup', '<script>alert(1)</script>'],
    ['spaces', 'evil example'],
    ['a malformed address', '10.0.0.300'],
    ['an unclosed IPv6 bracket', '[::1'],
    ['a label starting with a hyphen', '-evil.example'],
    ['an empty host', ''],
  ])('does not reflect a Host with %s: it uses the listener host', async (_case, host) => {
    const answer = await redirectOf('/login', host);
    expect(answer?.status).toBe(308);
    expect(answer?.headers.location).toBe('https://127.0.0.1:8443/login');
  });

  it('refuses raw CR LF in the Host (Node parser), so no header can be injected', async () => {
    const { responses } = await exchange(
      redirect.port,
      'GET / HTTP/1.1\r\nHost: evil.example\rSet-Cookie: a=b\r\n\r\n',
      { expect: 1 },
    );
    expect(responses[0]?.headers['set-cookie']).toBeUndefined();
    expect(responses[0]?.headers.location).toBeUndefined();
  });

  it('reduces an absolute-form target to its path; a target outside ASCII gets no Location', async () => {
    expect(
      (await redirectOf('http://other.example/a?b=c', 'api.example.com'))?.headers.location,
    ).toBe('https://api.example.com:8443/a?b=c');
    // Node's parser refuses it (400) before the listener sees it.
    const latin1 = await redirectOf('/caf\xe9', 'api.example.com');
    expect(latin1?.status).toBe(400);
    expect(latin1?.headers.location).toBeUndefined();
  });

  it('omits the port when HTTPS is on 443, and closes with close()', async () => {
    const standard = await startRedirectListener({ host: '127.0.0.1', port: 0, httpsPort: 443 });
    const { responses } = await exchange(
      standard.port,
      'GET /x HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n',
      { expect: 1 },
    );
    expect(responses[0]?.headers.location).toBe('https://example.com/x');
    await standard.close();
    await expect(
      new Promise((resolve, reject) => {
        const socket = connect(standard.port, '127.0.0.1', () => resolve(socket.destroy()));
        socket.on('error', reject);
      }),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('a service with tls.redirectPort', () => {
  const work = temporaryDir('bulwark-tls-redirect-');
  afterAll(() => work.remove());

  it('redirects plain HTTP to its HTTPS port, which then serves, and stops it at shutdown', async () => {
    const made = await devCertificates(work.dir);
    const [server] = made.services;
    if (!server) throw new Error('no server certificate');
    const redirectPort = await freePort();
    const { service } = testService({
      tls: { certFile: server.certFile, keyFile: server.keyFile, redirectPort },
    });
    await service.listen();
    try {
      const answer = await fetch(`http://localhost:${redirectPort}/live?probe=1`, {
        redirect: 'manual',
      });
      const location = answer.headers.get('location') ?? '';
      expect(answer.status).toBe(308);
      expect(location).toBe(`https://localhost:${service.port}/live?probe=1`);
      const followed = await httpsRequest(location, { ca: readFileSync(made.ca.certFile) });
      expect(followed.status).toBe(200);
    } finally {
      await service.shutdown();
    }
    await expect(fetch(`http://127.0.0.1:${redirectPort}/live`)).rejects.toThrow();
  });
});
