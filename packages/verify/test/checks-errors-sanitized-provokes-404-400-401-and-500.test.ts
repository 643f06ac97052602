import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from './checks-harness.js';
import {
  type ApiKeyFiles,
  apiKeyFiles,
  type BareTarget,
  type KitTarget,
  planService,
  requiredApiKeys,
  startBareFastify,
  startKitService,
} from './security-targets.js';

let keys: ApiKeyFiles;
let guarded: KitTarget;
let open: KitTarget;
let production: KitTarget;
let bare: BareTarget;

beforeAll(async () => {
  keys = apiKeyFiles();
  [guarded, open, production, bare] = await Promise.all([
    startKitService({ auth: requiredApiKeys(keys) }),
    startKitService(),
    startKitService({ environment: 'production' }),
    startBareFastify(),
  ]);
});

afterAll(async () => {
  await Promise.all([guarded?.stop(), open?.stop(), production?.stop(), bare?.stop()]);
  keys?.remove();
});

describe('errors.sanitized', () => {
  it('passes a kit service with auth on: 404, 400, 401 and the fault 500, all sanitized', async () => {
    const service = planService(guarded.url, { credentials: { apiKeyFile: keys.keyFile } });
    const outcome = await runCheck('errors.sanitized', {}, { service });
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.summary).toBe(
      '404, 400, 401, 500 answered in problem+json with an errorId, no stack trace or planted secret',
    );
    expect(outcome.measurements).toMatchObject({
      'not-found.status': 404,
      'malformed-json.status': 400,
      'unauthenticated.status': 401,
      'unauthenticated.judged': true,
      'fault.status': 500,
      'fault.route': true,
    });
    const fault = outcome.artifacts?.find((a) => a.name === 'fault.body');
    expect(fault?.mediaType).toMatch(/^application\/problem\+json/);
    expect(String(fault?.content)).not.toContain('hunter2');
  });

  it('with auth off, says there was no 401 to judge and still passes', async () => {
    const outcome = await runCheck('errors.sanitized', {}, { service: planService(open.url) });
    expect(outcome.status, outcome.summary).toBe('pass');
    expect(outcome.summary).toMatch(
      /^404, 400, 500 answered .*; auth is off \(400 without credentials\): no 401 to judge$/,
    );
    expect(outcome.measurements?.['unauthenticated.judged']).toBe(false);
  });

  it('warns when production has turned the fault route off: the 500 path went unseen', async () => {
    const outcome = await runCheck(
      'errors.sanitized',
      {},
      { service: planService(production.url) },
    );
    expect(outcome.status, outcome.summary).toBe('warn');
    expect(outcome.summary).toContain(
      'no fault route (/__bulwark/fault answered 404, as in production): the 500 path went unseen',
    );
    expect(outcome.measurements?.['fault.route']).toBe(false);
  });

  it('fails a bare Fastify app: JSON errors without errorId, and the fault leaks its secret', async () => {
    const outcome = await runCheck('errors.sanitized', {}, { service: planService(bare.url) });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toMatch(
      /GET \/bulwark-verify-no-such-path-\w+: Content-Type "application\/json; charset=utf-8" is not application\/problem\+json/,
    );
    expect(outcome.summary).toContain('GET /__bulwark/fault: Content-Type');
    expect(outcome.summary).toContain('the fault\'s text "hunter2" leaks in the body');
    expect(outcome.summary).toContain('stack trace in the body (a source file position');
  });

  it('fails a service with auth on when the plan has no credentials, saying so', async () => {
    const outcome = await runCheck('errors.sanitized', {}, { service: planService(guarded.url) });
    expect(outcome.status).toBe('fail');
    expect(outcome.summary).toContain(
      'POST /v1/items with malformed JSON: answered 401, not 400 (refused as unauthenticated: give the plan service credentials)',
    );
  });
});
