import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectOneLineFailure, runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'bw-team-check-'));
const env = { BULWARK_KEYS_DIR: join(dir, 'keys'), NODE_ENV: 'test' };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A team's check, as a team would publish it: a module whose default export is the plugin.
writeFileSync(
  join(dir, 'queue-depth.mjs'),
  `export default {
  id: 'team.queue-depth',
  description: 'the order queue stays under its limit',
  params: { type: 'object', properties: { max: { type: 'integer', default: 100 } }, required: ['max'], additionalProperties: false },
  scope: 'environment',
  async run(params) {
    const depth = 42;
    return { status: depth <= params.max ? 'pass' : 'fail', summary: \`queue depth \${depth} (max \${params.max})\`, measurements: { depth } };
  },
};
`,
);

function plan(name: string, plugins: string, max: string): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `format: bulwark.plan/v1
name: team checks
plugins: [${plugins}]
environments:
  dev: { services: [] }
criteria:
  - id: orders.queue
    text: the order queue stays short
    checks: [{ check: team.queue-depth, with: { max: ${max} } }]
`,
  );
  return file;
}

const verify = (file: string) =>
  runCli(
    ['verify', '--plan', file, '--evidence-dir', join(dir, 'evidence'), '--format', 'json'],
    env,
  );

describe('a plan naming team-written checks', () => {
  it('registers them beside the built-in checks and runs them like any other', async () => {
    const pass = await verify(plan('pass.yaml', './queue-depth.mjs', '50'));
    expect(pass.code, pass.stderr).toBe(0);
    const [criterion] = JSON.parse(pass.stdout).criteria;
    expect(criterion.checks[0]).toMatchObject({
      check: 'team.queue-depth',
      params: { max: 50 },
      status: 'pass',
      summary: 'queue depth 42 (max 50)',
      measurements: { depth: 42 },
    });
    const fail = await verify(plan('fail.yaml', './queue-depth.mjs', '10'));
    expect(fail.code).toBe(1);
  });

  it("validates the binding against the team check's own parameters", async () => {
    expectOneLineFailure(
      await verify(plan('bad.yaml', './queue-depth.mjs', '"ten"')),
      /bad\.yaml:9:\d+: criteria\[0\]\.checks\[0\]\.with\.max: team\.queue-depth: must be integer\n$/,
    );
  });

  it('names a module that cannot be loaded, where the plan names it', async () => {
    expectOneLineFailure(
      await verify(plan('missing.yaml', './nope.mjs', '10')),
      /missing\.yaml:3:\d+: plugins\[0\]: cannot load \.\/nope\.mjs: no such module\n$/,
    );
  });
});
