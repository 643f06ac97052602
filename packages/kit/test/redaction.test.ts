import { describe, expect, it } from 'vitest';
import { REDACTED, redact, scrubString } from '../src/index.js';

describe('redaction', () => {
  it('masks sensitive keys case-insensitively at any depth', () => {
    const out = redact({
      headers: { Authorization: 'Bearer abc', 'X-API-KEY': 'k', cookie: 'c' },
      deep: { a: { b: [{ DB_PASSWORD: 'p', clientSecret: 's', refresh_token: 't' }] } },
      keep: 'visible',
    }) as Record<string, any>;
    expect(out.headers.Authorization).toBe(REDACTED);
    expect(out.headers['X-API-KEY']).toBe(REDACTED);
    expect(out.headers.cookie).toBe(REDACTED);
    expect(out.deep.a.b[0]).toEqual({
      DB_PASSWORD: REDACTED,
      clientSecret: REDACTED,
      refresh_token: REDACTED,
    });
    expect(out.keep).toBe('visible');
  });

  it.each([
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_abcdef', 'eyJhbGci'],
    ['connecting to postgres://app:hunter2@db:5432/app', 'hunter2'],
    ['GET /cb?code=1&access_token=tok123456&x=1', 'tok123456'],
    ['api_key=AKIA1234567890 failed', 'AKIA1234567890'],
    ['{"password":"p@ss\\"word"}', 'p@ss'],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----', 'MIIEow'],
    ['-----BEGIN PRIVATE KEY-----\nMC4CAQ truncated', 'MC4CAQ'],
  ])('scrubs secrets out of strings: %s', (input, secret) => {
    const out = scrubString(input);
    expect(out).not.toContain(secret);
    expect(out).toContain('REDACTED');
  });

  it('scrubs error messages, stacks and causes', () => {
    const error = new Error('login failed with password=letmein', {
      cause: new Error('upstream said Bearer abcdef123456'),
    });
    const out = JSON.stringify(redact({ err: error }));
    expect(out).not.toContain('letmein');
    expect(out).not.toContain('abcdef123456');
    expect(out).toContain('login failed');
  });

  it('survives cycles and very deep objects', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 50; i++) {
      deep.next = {};
      deep = deep.next as Record<string, unknown>;
    }
    expect(JSON.stringify(redact({ a, root }))).toContain('[Circular]');
    expect(JSON.stringify(redact(root))).toContain('[Truncated]');
  });

  it('leaves ordinary text untouched', () => {
    const text = 'request completed in 12 ms for route /v1/items';
    expect(scrubString(text)).toBe(text);
  });
});
