import { describe, expect, it } from 'vitest';
import { defaultRegistry } from '../src/checks/builtin.js';
import { bindCriterion } from '../src/plan/import/bind.js';

const registry = defaultRegistry();

function bound(text: string): Array<[string, Record<string, unknown>]> {
  const result = bindCriterion(text, registry);
  if (result.kind !== 'bound') throw new Error(`not bound: ${text}: ${result.reason}`);
  return result.bindings.map((b) => [b.check, b.with]);
}

function manual(text: string): string {
  const result = bindCriterion(text, registry);
  if (result.kind !== 'manual') throw new Error(`bound: ${text}`);
  return result.reason;
}

describe('plan import: the security checks of issue 14', () => {
  it('binds "401 for a missing or invalid key" and its kin to auth.enforced', () => {
    for (const text of [
      '401 for a missing or invalid key',
      '401 errors for missing/invalid keys',
      'Test: Verify unauthenticated requests fail',
      'JWTs with enforced algorithms',
      'Validate JWT algorithms enforced (already fail-fast for missing PyJWT).',
    ]) {
      expect(bound(text), text).toEqual([['auth.enforced', {}]]);
    }
  });

  it('keeps "all endpoints require authentication" and workload identity manual, saying why', () => {
    expect(manual('All endpoints require authentication')).toMatch(
      /^auth\.enforced checks the API paths it is given; .* \(bind it with: \{paths: \[\.\.\.\]\}\)$/,
    );
    expect(manual('Reject JWTs with weak algorithms; use mTLS workload identity')).toMatch(
      /workload identity \(mTLS or service JWTs\), which auth\.enforced does not observe/,
    );
    // Seeing authenticated access succeed needs credentials the import cannot know.
    expect(bindCriterion('Test: Verify authenticated requests succeed', registry).kind).toBe(
      'manual',
    );
  });

  it('binds sanitized errors, but not a commit that mentions them, nor error ids in the logs', () => {
    for (const text of [
      'sanitized errors that carry error ids',
      'API responses have generic error messages',
      'Errors are sanitized before they leave the service',
    ]) {
      expect(bound(text), text).toEqual([['errors.sanitized', {}]]);
    }
    expect(manual('Commit: "security: sanitize error messages, prevent info disclosure"')).toMatch(
      /CI pipelines or release records/,
    );
    expect(manual('Error IDs allow support to find details')).toMatch(/needs a person/);
    // The stack-trace wording stays errors.problem-json's, as before.
    expect(bound('Stack traces only in server logs')).toEqual([['errors.problem-json', {}]]);
  });

  it('binds TLS everywhere to tls.certificate unless it asks for more than a server shows', () => {
    for (const text of [
      'TLS everywhere',
      'TLS enabled on all external endpoints',
      'All external endpoints use HTTPS (via nginx on https://localhost:8443)',
      'Services accept TLS 1.2 or newer only',
    ]) {
      expect(bound(text), text).toEqual([['tls.certificate', {}]]);
    }
    for (const text of [
      'Secure: Secrets management, TLS everywhere, zero-trust networking',
      'TLS everywhere, an HTTP→HTTPS redirect, and certificate rotation',
    ]) {
      expect(manual(text), text).toMatch(/more than the TLS a server presents/);
    }
    expect(manual('Update external access URLs to use https (keep inter-service HTTP)')).toBe(
      'no check measures TLS, redirects or encryption yet',
    );
  });

  it('binds an HTTP to HTTPS redirect when the text names the plain address', () => {
    expect(
      bound('HTTP requests redirect to HTTPS (http://localhost:8088 → https://localhost:8443)'),
    ).toEqual([['tls.redirect', { url: 'http://localhost:8088', to: 'https://localhost:8443' }]]);
    for (const text of ['Test: Verify HTTP redirects to HTTPS', 'an HTTP→HTTPS redirect']) {
      expect(manual(text), text).toBe(
        'tls.redirect needs the plain-HTTP address that must redirect, and the text gives none (bind it with: {url: http://...})',
      );
    }
  });

  it('binds rate limits answering 429, and leaves per-user limits and their metrics manual', () => {
    expect(bound('rate limits answering 429')).toEqual([['ratelimit.enforced', {}]]);
    expect(bound('Throttled clients get 429 Too Many Requests')).toEqual([
      ['ratelimit.enforced', {}],
    ]);
    expect(manual('per-endpoint and per-user rate limits answering 429, with metrics')).toMatch(
      /^ratelimit\.enforced sees one caller's limit on one path/,
    );
    expect(bindCriterion('Add rate limiting (collect max once per 10s)', registry).kind).toBe(
      'manual',
    );
  });

  it('binds security headers, and names a header the check does not look at', () => {
    expect(bound('Security headers through @fastify/helmet.')).toEqual([['headers.security', {}]]);
    expect(bound('HSTS on every HTTPS response')).toEqual([['headers.security', {}]]);
    expect(manual('Security headers incl. Permissions-Policy and CORS')).toBe(
      'headers.security does not check permissions-policy',
    );
  });
});
