import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { problemFor } from '../src/http/problem.js';
import * as kit from '../src/index.js';
import { BulwarkError, KIT_ERROR_CATALOGUE, type KitErrorClass } from '../src/index.js';

/**
 * One instance of every error class the kit exports, made with whatever its constructor takes.
 * A class exported without an entry here fails the first test: add it, and to the catalogue.
 */
const SAMPLES: ReadonlyArray<BulwarkError> = [
  new kit.ConfigError('bad'),
  new kit.ValidationError('bad'),
  new kit.UnauthorizedError(),
  new kit.ForbiddenError(),
  new kit.NotFoundError(),
  new kit.MethodNotAllowedError('PUT', ['GET']),
  new kit.UnsupportedMediaTypeError('bad'),
  new kit.JsonTooDeepError(64),
  new kit.ConflictError('bad'),
  new kit.DependencyUnavailableError('down'),
  new kit.ResponseTooLargeError(1_024),
  new kit.ShuttingDownError(),
  new kit.CredentialRejectedError('API key', 'revoked'),
  new kit.MissingCredentialsError(['an API key']),
  new kit.UnsupportedSchemeError(['an API key']),
  new kit.InsufficientScopeError(['items:write']),
  new kit.AuthUnavailableError('keys not loaded'),
  new kit.RateLimitedError(3),
  new kit.RateLimitStoreUnavailableError(),
  new kit.OverloadedError(1),
  new kit.UpstreamCircuitOpenError('https://upstream.test'),
  new kit.UpstreamBusyError('https://upstream.test'),
  new kit.SecretReferenceError('bad'),
  new kit.SecretNotFoundError('db', []),
  new kit.SecretProviderError('vault', 'db', 'down'),
  new kit.SecretFormatError('vault', 'db', 'is not JSON'),
  new kit.SecretStoreClosedError(),
  new kit.OpenApiDisabledError(),
  new kit.NoHttpApiError('mailer'),
];

const exportedErrorClasses = (Object.values(kit) as unknown[]).filter(
  (value): value is KitErrorClass =>
    typeof value === 'function' && value.prototype instanceof BulwarkError,
);

const entryOf = (errorClass: KitErrorClass) =>
  KIT_ERROR_CATALOGUE.find((entry) => entry.classes.includes(errorClass));

describe('the kit error catalogue', () => {
  it('has a sample of every error class the kit exports', () => {
    const sampled = new Set(SAMPLES.map((sample) => sample.constructor));
    const missing = exportedErrorClasses.filter((c) => !sampled.has(c)).map((c) => c.name);
    expect(missing).toEqual([]);
    expect(exportedErrorClasses.length).toBeGreaterThanOrEqual(SAMPLES.length);
  });

  it.each(SAMPLES.map((sample) => [sample.constructor.name, sample] as const))(
    'lists %s with its real code and status',
    (_name, sample) => {
      const entry = entryOf(sample.constructor as KitErrorClass);
      expect(entry, `${sample.constructor.name} is not in KIT_ERROR_CATALOGUE`).toBeDefined();
      expect({ code: entry?.code, status: entry?.status }).toEqual({
        code: sample.code,
        status: sample.status,
      });
    },
  );

  it('lists every code once, and every class it names is exported', () => {
    const codes = KIT_ERROR_CATALOGUE.map((entry) => entry.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const entry of KIT_ERROR_CATALOGUE) {
      for (const errorClass of entry.classes) expect(exportedErrorClasses).toContain(errorClass);
    }
  });

  it("has the error handler's own codes as the handler really gives them", () => {
    const request = { url: '/v1/things', id: 'req-1' } as FastifyRequest;
    const answers = [
      problemFor(new Error('unexpected'), request),
      problemFor(Object.assign(new SyntaxError('Unexpected token'), { statusCode: 400 }), request),
      problemFor(
        Object.assign(new Error('too large'), {
          code: 'FST_ERR_CTP_BODY_TOO_LARGE',
          statusCode: 413,
        }),
        request,
      ),
    ];
    const classless = KIT_ERROR_CATALOGUE.filter((entry) => entry.classes.length === 0);
    expect(classless.map((e) => ({ code: e.code, status: e.status })).sort(byCode)).toEqual(
      answers.map((a) => ({ code: a.code, status: a.status })).sort(byCode),
    );
  });
});

function byCode(a: { code: string }, b: { code: string }): number {
  return a.code.localeCompare(b.code);
}
