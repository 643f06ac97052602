import { request } from 'undici';
import { expect } from 'vitest';
import type { Service } from '../../src/index.js';
import { baseUrl } from '../helpers.js';

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  readonly body: Record<string, unknown>;
}

/** One request to the service, its body read as text and, when it is JSON, parsed. */
export async function call(
  service: Service,
  path: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await request(`${baseUrl(service)}${path}`, { headers });
  const text = await response.body.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON: the assertions look at text.
  }
  return { status: response.statusCode, headers: response.headers, text, body };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A refusal is problem+json with an errorId and the expected code, no stack, and none of the
 * credential's text (`secrets`: the whole credential and any telling part of it).
 */
export function expectRefusal(
  answer: Answer,
  expected: { status: number; code: string; detail?: RegExp },
  secrets: readonly string[] = [],
): void {
  expect(answer.status, answer.text).toBe(expected.status);
  expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(answer.body.code).toBe(expected.code);
  expect(answer.body.errorId).toMatch(UUID);
  if (expected.detail) expect(answer.body.detail).toMatch(expected.detail);
  expect(answer.text).not.toMatch(/\n\s+at |\.ts:\d+/);
  for (const secret of secrets) expect(answer.text).not.toContain(secret);
  if (expected.status === 401) expect(answer.headers['www-authenticate']).toBeTruthy();
}

/** auth_failures_total by reason, read from the service's registry. */
export async function authFailures(service: Service): Promise<Record<string, number>> {
  const metric = service.metrics.registry.getSingleMetric('auth_failures_total');
  if (metric === undefined) return {};
  const { values } = await metric.get();
  return Object.fromEntries(values.map((v) => [String(v.labels.reason), v.value]));
}
