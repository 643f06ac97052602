import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * openapi/<service>.json is what each service's code generates, byte for byte. A route or schema
 * change without a refreshed snapshot fails here, and the failure names the command to run.
 */
describe("the reference stack's OpenAPI snapshots", () => {
  it('match what every service generates (refresh: npx bulwark contract snapshot)', async () => {
    const run = await runCli(['contract', 'snapshot', '--check', '--root', root]);
    expect(run.stderr).toBe('');
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toBe(
      'snapshots up to date: core-api, ledger, tool-gate, witness, memu-core\n',
    );
  }, 120_000);
});
