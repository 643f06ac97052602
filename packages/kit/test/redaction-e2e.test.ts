import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { freePort, type SpawnedProcess, spawnTs } from '@bulwark/testkit';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const canary = (label: string) => `canary${label}${randomBytes(6).toString('hex')}`;
const CANARIES = {
  bearer: canary('bearer'),
  apiKey: canary('apikey'),
  cookie: canary('cookie'),
  bodyPassword: canary('bodypw'),
  nestedKey: canary('nested'),
  queryToken: canary('query'),
  urlPassword: canary('urlpw'),
  dsnPassword: canary('dsn'),
  badJson: canary('badjson'),
  pem: canary('pem'),
};

let proc: SpawnedProcess;
let base: string;
const responses: string[] = [];

async function send(path: string, init: Parameters<typeof request>[1] = {}) {
  const response = await request(`${base}${path}`, init);
  const body = await response.body.text();
  responses.push(JSON.stringify(response.headers), body);
  return { status: response.statusCode, body };
}

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  proc = spawnTs(join(import.meta.dirname, 'processes', 'test-service.ts'), {
    PORT: String(port),
    LOG_LEVEL: 'debug',
    BULWARK_SHUTDOWN_DRAIN_DELAY_MS: '0',
    TEST_CANARY_DSN: `postgres://app:${CANARIES.dsnPassword}@db.internal:5432/app`,
  });
  await proc.waitForLine((line) => line.includes('ready on http'));
});

afterAll(() => proc.kill('SIGKILL'));

describe('canary secrets', () => {
  it('never reach a log line or a response', async () => {
    const echo = await send(`/v1/echo?token=${CANARIES.queryToken}&page=2`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${CANARIES.bearer}`,
        'X-Api-Key': CANARIES.apiKey,
        cookie: `session=${CANARIES.cookie}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        user: 'alice',
        password: CANARIES.bodyPassword,
        nested: { deeper: { Api_Key: CANARIES.nestedKey } },
        note: `-----BEGIN PRIVATE KEY-----\n${CANARIES.pem}\n-----END PRIVATE KEY-----`,
      }),
    });
    expect(echo.status).toBe(200);

    const boom = await send('/v1/boom');
    expect(boom.status).toBe(500);
    const problem = JSON.parse(boom.body) as Record<string, string>;
    expect(problem.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(problem.detail).not.toMatch(/db connect/);

    const call = await send(
      `/v1/call?url=${encodeURIComponent(`http://svc:${CANARIES.urlPassword}@127.0.0.1:1/live`)}`,
    );
    expect(call.status).toBe(500);

    const badJson = await send('/v1/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"password": "${CANARIES.badJson}"`,
    });
    expect(badJson.status).toBe(400);

    // Let the async log destination flush, then read every line the process wrote.
    await proc.waitForLine((line) => line.includes('"status":400'));
    proc.kill('SIGTERM');
    await proc.exited;
    const everything = [...proc.lines, ...responses].join('\n');
    expect(proc.lines.some((line) => line.includes('echo received'))).toBe(true);
    expect(proc.lines.some((line) => line.includes('"level":"error"'))).toBe(true);
    for (const [name, value] of Object.entries(CANARIES)) {
      expect(everything.includes(value), `${name} leaked`).toBe(false);
    }
  });
});
