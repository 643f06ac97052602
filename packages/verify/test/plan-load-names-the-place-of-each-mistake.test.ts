import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckPlugin } from '../src/checks/check.js';
import { CheckRegistry } from '../src/checks/registry.js';
import { loadPlan, PlanError, parsePlan } from '../src/plan/load.js';

const latency: CheckPlugin<{ p95Ms: number; samples: number }> = {
  id: 'probe.latency',
  description: 'test double: never run here, only its parameters are validated',
  params: Type.Object(
    {
      p95Ms: Type.Number({ exclusiveMinimum: 0 }),
      samples: Type.Integer({ minimum: 1, default: 20 }),
    },
    { additionalProperties: false },
  ),
  scope: 'service',
  run: async () => ({ status: 'pass', summary: 'unused' }),
};
const registry = new CheckRegistry([latency]);

const GOOD = `format: bulwark.plan/v1
name: test plan
environments:
  local:
    services:
      - name: api
        url: http://127.0.0.1:8080
criteria:
  - id: health.latency
    text: /ready within 200ms
    checks:
      - check: probe.latency
        with: { p95Ms: 200 }
  - id: restore.drill
    text: restore drill under RTO
gates:
  staging: { from: local, require: all, maxEvidenceAge: 24h }
`;

/** A compose-style `${...}` reference, as a plan writes it. */
const variable = (expression: string) => `\${${expression}}`;

/** The one-line error parsePlan gives for `text`. */
function errorOf(text: string, variables: Record<string, string> = {}): string {
  try {
    parsePlan(text, 'plan.yaml', registry, variables);
  } catch (error) {
    expect(error).toBeInstanceOf(PlanError);
    expect((error as PlanError).code).toBe('BW_PLAN_INVALID');
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('the plan was accepted');
}

describe('loading a plan', () => {
  it('accepts a valid plan and fills in defaults: status todo, the check parameters', () => {
    const plan = parsePlan(GOOD, 'plan.yaml', registry, {});
    expect(plan.criteria.map((c) => c.status)).toEqual(['todo', 'todo']);
    expect(plan.criteria[0]?.checks?.[0]?.with).toEqual({ p95Ms: 200, samples: 20 });
  });

  it('names file, line and path of a parameter of the wrong type', () => {
    const text = GOOD.replace('{ p95Ms: 200 }', '{ p95Ms: "200" }');
    expect(errorOf(text)).toMatch(
      /^plan\.yaml:13:\d+: criteria\[0\]\.checks\[0\]\.with\.p95Ms: probe\.latency: must be number$/,
    );
  });

  it('names an unknown field where it is written', () => {
    expect(
      errorOf(GOOD.replace('    text: restore drill', '    txet: oops\n    text: restore drill')),
    ).toMatch(/^plan\.yaml:15:5: criteria\[1\]: unknown field "txet"$/);
  });

  it('lists the allowed values of an enumerated field', () => {
    expect(
      errorOf(
        GOOD.replace(
          '    text: restore drill under RTO',
          '    text: restore drill under RTO\n    status: finished',
        ),
      ),
    ).toMatch(/criteria\[1\]\.status: must be one of "todo", "doing", "done", "deferred"$/);
  });

  it('refuses an unknown check and lists the known ones', () => {
    expect(errorOf(GOOD.replace('check: probe.latency', 'check: probe.latencyy'))).toMatch(
      /^plan\.yaml:12:\d+: criteria\[0\]\.checks\[0\]\.check: unknown check probe\.latencyy; known checks: probe\.latency$/,
    );
  });

  it('refuses duplicate criterion ids, naming the first', () => {
    expect(errorOf(GOOD.replace('id: restore.drill', 'id: health.latency'))).toMatch(
      /^plan\.yaml:14:\d+: criteria\[1\]\.id: duplicate id health\.latency \(also criteria\[0\]\)$/,
    );
  });

  it('refuses a gate that requires a criterion the plan does not have, or promotes from a missing environment', () => {
    expect(errorOf(GOOD.replace('require: all', 'require: [nope]'))).toMatch(
      /gates\.staging\.require\[0\]: no criterion has id nope$/,
    );
    expect(errorOf(GOOD.replace('from: local', 'from: dev'))).toMatch(
      /gates\.staging\.from: no environment named dev$/,
    );
  });

  it('refuses a malformed duration', () => {
    expect(errorOf(GOOD.replace('24h', '1 day'))).toMatch(
      /gates\.staging\.maxEvidenceAge: must be e\.g\. 500ms, 30s, 15m, 24h, 7d$/,
    );
  });

  it('interpolates service URLs from the environment, and names an unset variable', () => {
    const text = GOOD.replace('http://127.0.0.1:8080', variable('API_URL:-http://127.0.0.1:8080'));
    expect(parsePlan(text, 'plan.yaml', registry, {}).environments.local?.services[0]?.url).toBe(
      'http://127.0.0.1:8080',
    );
    expect(
      parsePlan(text, 'plan.yaml', registry, { API_URL: 'http://10.0.0.1:9' }).environments.local
        ?.services[0]?.url,
    ).toBe('http://10.0.0.1:9');
    expect(errorOf(GOOD.replace('http://127.0.0.1:8080', variable('API_URL')))).toMatch(
      /^plan\.yaml:7:\d+: environments\.local\.services\[0\]\.url: \$\{API_URL\} names a variable that is not set$/,
    );
  });

  it('refuses YAML syntax errors, an empty plan and several documents with a located line', () => {
    expect(errorOf('format: [unclosed\n')).toMatch(/^plan\.yaml:\d+:\d+: /);
    expect(errorOf('')).toBe('plan.yaml:1:1: the plan is empty');
    expect(errorOf(`${GOOD}---\n${GOOD}`)).toBe(
      'plan.yaml:1:1: a plan is one YAML document; this file holds several',
    );
  });

  it('refuses an alias bomb without expanding it', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++)
      bomb.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(', ')}]`,
      );
    expect(errorOf(bomb.join('\n'))).toMatch(/^plan\.yaml:\d+:\d+: .*alias/i);
  });

  describe('from a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-plan-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('records the absolute path, directory and SHA-256 of what it read', async () => {
      writeFileSync(join(dir, 'good.yaml'), GOOD);
      const loaded = await loadPlan(join(dir, 'good.yaml'), registry, {});
      expect(loaded.dir).toBe(dir);
      expect(loaded.sha256).toMatch(/^[0-9a-f]{64}$/);
    });

    it('says a missing file is missing and a binary file is not text', async () => {
      await expect(loadPlan(join(dir, 'none.yaml'), registry)).rejects.toThrow(
        /none\.yaml: cannot read the plan \(no such file\)$/,
      );
      writeFileSync(join(dir, 'bin.yaml'), Buffer.from([0x66, 0x00, 0x01, 0x02]));
      await expect(loadPlan(join(dir, 'bin.yaml'), registry)).rejects.toThrow(
        /bin\.yaml: not a text file/,
      );
    });
  });
});
