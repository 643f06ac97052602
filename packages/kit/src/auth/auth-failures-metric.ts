import { Counter, type Registry } from 'prom-client';

export const AUTH_FAILURES_METRIC = 'auth_failures_total';

/** Refused requests by reason: a spike of `unknown_key` or `bad_signature` is someone guessing. */
export function authFailuresCounter(registry: Registry): Counter<'reason'> {
  return new Counter({
    name: AUTH_FAILURES_METRIC,
    help: 'Requests refused by authentication (401, 403, or 503 when keys are unavailable), by reason.',
    labelNames: ['reason'],
    registers: [registry],
  });
}
