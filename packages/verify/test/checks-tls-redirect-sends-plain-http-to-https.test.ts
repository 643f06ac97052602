import type { ServerResponse } from 'node:http';
import { freePort } from '@bulwark/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from './checks-harness.js';
import { type KitTarget, startKitService } from './security-targets.js';
import { createTestPki, type RunningServer, startHttpServer, tempFiles } from './tls-fixtures.js';

let kit: KitTarget;
let redirectPort: number;
let files: ReturnType<typeof tempFiles>;
const started: RunningServer[] = [];

beforeAll(async () => {
  const pki = await createTestPki();
  const pair = await pki.issue();
  files = tempFiles({ 'cert.pem': pair.cert, 'key.pem': pair.key });
  redirectPort = await freePort();
  kit = await startKitService({
    tls: { certFile: `${files.dir}/cert.pem`, keyFile: `${files.dir}/key.pem`, redirectPort },
  });
});

afterAll(async () => {
  await kit?.stop();
  files?.remove();
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

/** A plain HTTP server answering every request with `answer(path)`. */
async function redirector(answer: (path: string, res: ServerResponse) => void): Promise<string> {
  const server = await startHttpServer((req, res) => answer(req.url ?? '/', res));
  started.push(server);
  return server.url;
}

describe('tls.redirect (an environment check: it needs only the plain-HTTP URL)', () => {
  it("passes the kit's redirect listener: 308 to https on the same path and query", async () => {
    const url = `http://127.0.0.1:${redirectPort}`;
    const outcome = await runCheck('tls.redirect', { url, to: kit.url });
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.summary).toBe(`${url} answers 308 to ${kit.url}/, keeping path and query`);
    expect(outcome.measurements).toMatchObject({ 'start.status': 308, 'deep.status': 308 });
    expect(String(outcome.measurements?.['deep.location'])).toMatch(
      new RegExp(`^${kit.url}/bulwark-verify-[0-9a-f]{8}\\?bulwark=1$`),
    );
  });

  it('warns on a temporary redirect', async () => {
    const url = await redirector((path, res) =>
      res.writeHead(302, { location: `https://127.0.0.1:8443${path}` }).end(),
    );
    const outcome = await runCheck('tls.redirect', { url });
    expect(outcome.status, outcome.summary).toBe('warn');
    expect(outcome.summary).toMatch(
      /but GET \/: 302 is a temporary redirect; .*\(use 301 or 308\)$/,
    );
  });

  it('fails a listener that serves plain HTTP instead of redirecting', async () => {
    const url = await redirector((_path, res) => res.end('hello over http'));
    const outcome = await runCheck('tls.redirect', { url });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(
      /^GET \/: answered 200, not a redirect; GET \/bulwark-verify-\w+\?bulwark=1: answered 200/,
    );
  });

  it('fails a redirect that drops the path, or stays on http, or goes elsewhere', async () => {
    const home = await redirector((_path, res) =>
      res.writeHead(301, { location: 'https://127.0.0.1:8443/' }).end(),
    );
    const dropped = await runCheck('tls.redirect', { url: home });
    expect(dropped.status).toBe('fail');
    expect(dropped.summary).toMatch(
      /Location https:\/\/127\.0\.0\.1:8443\/ drops the path \/bulwark-verify-/,
    );

    const plain = await redirector((path, res) =>
      res.writeHead(301, { location: `http://127.0.0.1:8080${path}` }).end(),
    );
    const insecure = await runCheck('tls.redirect', { url: plain });
    expect(insecure.summary).toMatch(/^GET \/: Location http:\/\/127\.0\.0\.1:8080\/ is not https/);

    const elsewhere = await runCheck('tls.redirect', { url: home, to: 'https://api.example' });
    expect(elsewhere.summary).toMatch(
      /^GET \/: Location https:\/\/127\.0\.0\.1:8443\/ is not on https:\/\/api\.example/,
    );
  });

  it('fails a closed port', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const outcome = await runCheck('tls.redirect', { url });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/: connection refused/);
  });
});
