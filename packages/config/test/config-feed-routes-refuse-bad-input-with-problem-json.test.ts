import type { Database } from '@bulwark/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_FEED_PATHS } from '../src/index.js';
import { ack, presence, uniqueConfig } from './fixtures/config-messages.js';
import {
  type EmbeddedRegistry,
  memoryDatabase,
  startEmbeddedRegistry,
} from './fixtures/embedded-registry.js';

/**
 * The embedded registry's transport routes take only what a consumer may send: every refusal is
 * problem+json (400 naming the field, 415 for a body that is not JSON) with an errorId, and
 * nothing refused reaches the log.
 */
let db: Database;
let registry: EmbeddedRegistry;
beforeAll(async () => {
  db = await memoryDatabase();
  registry = await startEmbeddedRegistry(db);
});
afterAll(async () => {
  await registry?.close();
  await db?.close();
});

interface Answer {
  status: number;
  contentType: string;
  body: any;
}

async function send(
  method: 'GET' | 'POST',
  path: string,
  options: {
    json?: unknown;
    raw?: string;
    contentType?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.json !== undefined) body = JSON.stringify(options.json);
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(`${registry.base}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    body: text ? JSON.parse(text) : undefined,
  };
}

function expectProblem(answer: Answer, status: number, detail: RegExp): void {
  expect(answer.status).toBe(status);
  expect(answer.contentType).toMatch(/^application\/problem\+json/);
  expect(answer.body.status).toBe(status);
  expect(answer.body.errorId).toEqual(expect.any(String));
  expect(answer.body.detail).toMatch(detail);
  expect(answer.body.detail).not.toContain('\n');
}

describe('POST acks and presence', () => {
  const config = uniqueConfig();
  const good = ack(config, 'i-1', 2, 'refused');

  it.each([
    ['a missing field', { ...good, at: undefined }, /^body\/at is required$/],
    ['an unknown field', { ...good, seq: 7 }, /^body\/seq is not an allowed field$/],
    [
      'a config name that would break a subject',
      { ...good, config: 'bad.name' },
      /^body\/config must match/,
    ],
    ['an instance id with a wildcard', { ...good, instance: 'i-*' }, /^body\/instance must match/],
    ['a version as text', { ...good, version: '2' }, /^body\/version must be integer$/],
    ['a negative version', { ...good, version: -1 }, /^body\/version must be >= 0$/],
    ['an unknown result', { ...good, result: 'maybe' }, /^body\/result /],
    ['a time that is not one', { ...good, at: 'yesterday' }, /^body\/at must match format/],
    ['an array', [good], /^body must be object$/],
  ])('refuses an ack with %s', async (_case, body, detail) => {
    expectProblem(await send('POST', CONFIG_FEED_PATHS.acks, { json: body }), 400, detail);
  });

  it('refuses a presence whose health URL is not a URL, and a field it does not know', async () => {
    const p = presence(config, 'i-1', 1);
    expectProblem(
      await send('POST', CONFIG_FEED_PATHS.presence, { json: { ...p, healthUrl: 'not a url' } }),
      400,
      /^body\/healthUrl must match format/,
    );
    expectProblem(
      await send('POST', CONFIG_FEED_PATHS.presence, { json: { ...p, result: 'applied' } }),
      400,
      /^body\/result is not an allowed field$/,
    );
  });

  it('refuses a body that is not JSON, or not sent as JSON', async () => {
    expectProblem(
      await send('POST', CONFIG_FEED_PATHS.acks, { raw: '{"rolloutId":' }),
      400,
      /not valid JSON/,
    );
    expectProblem(
      await send('POST', CONFIG_FEED_PATHS.acks, {
        raw: JSON.stringify(good),
        contentType: 'text/plain',
      }),
      415,
      /JSON body/,
    );
  });

  it('records nothing it refused, and a good ack and presence with 204', async () => {
    const before = await registry.log.lastSeq();
    await send('POST', CONFIG_FEED_PATHS.acks, { json: { ...good, config: 'Bad' } });
    expect(await registry.log.lastSeq()).toBe(before);
    expect((await send('POST', CONFIG_FEED_PATHS.acks, { json: good })).status).toBe(204);
    const withHealth = { ...presence(config, 'i-1', 1), healthUrl: 'http://127.0.0.1:9/health' };
    expect((await send('POST', CONFIG_FEED_PATHS.presence, { json: withHealth })).status).toBe(204);
    const stored = await registry.log.read('ack', config, before, 10);
    expect(stored.map((m) => JSON.parse(m.payload))).toEqual([good]);
    expect(await registry.log.lastSeq()).toBe(before + 2);
  });
});

describe('GET the apply stream', () => {
  const path = (config: string) => CONFIG_FEED_PATHS.applies.replace(':config', config);

  it('refuses a bad config name, a bad resume position and an unknown query field', async () => {
    expectProblem(await send('GET', path('Bad')), 400, /^params\/config must match/);
    expectProblem(
      await send('GET', `${path(uniqueConfig())}?after=-1`),
      400,
      /^querystring\/after must match/,
    );
    expectProblem(
      await send('GET', `${path(uniqueConfig())}?from=3`),
      400,
      /^querystring\/from is not an allowed field$/,
    );
    expectProblem(
      await send('GET', path(uniqueConfig()), { headers: { 'last-event-id': 'abc' } }),
      400,
      /^headers\/last-event-id must match/,
    );
    expect(registry.routes.openStreams).toBe(0);
  });
});
