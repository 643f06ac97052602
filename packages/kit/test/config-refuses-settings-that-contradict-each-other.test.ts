import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/index.js';

const base = { name: 'svc', version: '1.0.0' } as const;

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('the second half of the kit configuration', () => {
  it('is safe with no settings: auth and rate limits off, shedding and security headers on', () => {
    const config = loadConfig(base, {});
    expect(config.auth.mode).toBe('off');
    expect(config.rateLimit.enabled).toBe(false);
    expect(config.rateLimit.onStoreError).toBe('open');
    expect(config.shedding.enabled).toBe(true);
    expect(config.securityHeaders.enabled).toBe(true);
    expect(config.tls.minVersion).toBe('TLSv1.2');
    expect(config.outbound.breaker.consecutiveFailures).toBe(5);
    expect(config.secrets.env).toBe(false);
  });

  it('refuses a JWT verifier that takes both HS and asymmetric algorithms', () => {
    const message = refusal(() =>
      loadConfig(
        {
          ...base,
          auth: {
            jwt: {
              issuer: 'https://idp',
              audience: 'svc',
              algorithms: ['RS256', 'HS256'],
              jwksUrl: 'https://idp/jwks',
              // biome-ignore lint/suspicious/noTemplateCurlyInString: a secret reference, not a template
              secret: '${secret:jwt}',
            },
          },
        },
        {},
      ),
    );
    expect(message).toContain('mixes HS and asymmetric');
  });

  it('refuses a JWT shared secret written as a literal', () => {
    const message = refusal(() =>
      loadConfig(
        {
          ...base,
          auth: {
            jwt: { issuer: 'i', audience: 'a', algorithms: ['HS256'], secret: 'hunter2-literal' },
          },
        },
        {},
      ),
    );
    expect(message).toContain('auth.jwt.secret');
    expect(message).not.toContain('hunter2');
  });

  it('refuses asymmetric JWTs with nowhere to find the keys', () => {
    expect(
      refusal(() => loadConfig({ ...base, auth: { jwt: { issuer: 'i', audience: 'a' } } }, {})),
    ).toContain('jwksUrl or publicKeyFile');
  });

  it('refuses half a TLS pair, mTLS without a CA, and a redirect without HTTPS', () => {
    expect(refusal(() => loadConfig(base, { BULWARK_TLS_CERT_FILE: '/tls/c.pem' }))).toContain(
      'tls.certFile and tls.keyFile go together',
    );
    expect(
      refusal(() =>
        loadConfig(base, {
          BULWARK_TLS_CERT_FILE: '/tls/c.pem',
          BULWARK_TLS_KEY_FILE: '/tls/k.pem',
          BULWARK_TLS_CLIENT_CERTS: 'required',
        }),
      ),
    ).toContain('needs tls.caFile');
    expect(refusal(() => loadConfig(base, { BULWARK_TLS_REDIRECT_PORT: '8079' }))).toContain(
      'need tls.certFile',
    );
  });

  it('refuses secrets from environment variables in production', () => {
    expect(
      refusal(() => loadConfig(base, { NODE_ENV: 'production', BULWARK_SECRETS_ENV: 'true' })),
    ).toContain('refused in production');
    expect(loadConfig(base, { BULWARK_SECRETS_ENV: 'true' }).secrets.env).toBe(true);
  });

  it('reads rate-limit rules written on one line, and names a bad one', () => {
    const config = loadConfig(base, {
      BULWARK_RATE_LIMIT: 'true',
      BULWARK_RATE_LIMIT_RULES: 'subject=route+subject:20/10s, org=org:5000/1m',
    });
    expect(config.rateLimit.enabled).toBe(true);
    expect(config.rateLimit.rules).toEqual([
      { name: 'subject', by: ['route', 'subject'], points: 20, windowMs: 10_000 },
      { name: 'org', by: ['org'], points: 5000, windowMs: 60_000 },
    ]);
    expect(
      refusal(() => loadConfig(base, { BULWARK_RATE_LIMIT_RULES: 'x=planet:1/1s' })),
    ).toContain('keys by "planet"');
    expect(
      refusal(() => loadConfig(base, { BULWARK_RATE_LIMIT_RULES: '100 per second' })),
    ).toContain('BULWARK_RATE_LIMIT_RULES');
  });

  it('turns authentication on from the environment with an API-key source', () => {
    const config = loadConfig(base, {
      BULWARK_AUTH: 'required',
      BULWARK_API_KEYS: '/run/secrets/api-keys.json',
    });
    expect(config.auth.mode).toBe('required');
    expect(config.auth.apiKeys).toEqual({
      source: '/run/secrets/api-keys.json',
      header: 'x-api-key',
      reloadIntervalMs: 10_000,
    });
  });
});
