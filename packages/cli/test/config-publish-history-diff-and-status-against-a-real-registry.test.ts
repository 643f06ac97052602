import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Registry,
  startRegistry,
} from '../../../services/config-registry/test/fixtures/registry.js';
import { expectOneLineFailure, runCli } from './run-cli.js';

/**
 * The registry subcommands against the real config registry (services/config-registry), in
 * this process on PGlite in memory and built without a transport: versions are published, listed,
 * read and diffed; rollouts are refused (503), which the CLI says in one line, exit 2.
 */
const dir = mkdtempSync(join(tmpdir(), 'bw-config-registry-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const janitorOff = file('janitor-off.yaml', 'janitor:\n  enabled: false\n');
const slower = file(
  'slower.yaml',
  'janitor:\n  enabled: true\n  intervalSeconds: 600\ndelivery:\n  maxAttempts: 3\n',
);

let registry: Registry;
const config = (...args: string[]) =>
  runCli(['config', ...args, '--registry', registry.base], {
    NOTIFICATIONS_JANITOR_ENABLED: undefined,
  });

beforeAll(async () => {
  registry = await startRegistry({}, { transport: undefined });
});
afterAll(async () => {
  await registry?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('bulwark config against the registry', () => {
  it('publishes versions, then lists, diffs and explains them', async () => {
    const first = await config(
      'publish',
      janitorOff,
      '--config',
      'notifications',
      '--message',
      'the janitor toggle',
    );
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(
      /^published notifications v1 \(schema v1, digest [0-9a-f]{12}\)$/m,
    );
    const second = await config('publish', slower, '--config', 'notifications', '--format', 'json');
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout).version).toMatchObject({
      config: 'notifications',
      version: 2,
      schemaVersion: 1,
      // Kept as given: the defaults are not written into a stored version.
      document: { janitor: { enabled: true, intervalSeconds: 600 }, delivery: { maxAttempts: 3 } },
    });

    const history = await config('history', '--config', 'notifications');
    expect(history.code, history.stderr).toBe(0);
    const lines = history.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^VERSION\s+SCHEMA\s+PUBLISHED\s+BY\s+DIGEST\s+MESSAGE$/);
    expect(lines[1]).toMatch(/^v2\s+v1\s+\S+\s+anonymous\s+[0-9a-f]{12}$/);
    expect(lines[2]).toMatch(/^v1\s+v1\s+\S+\s+anonymous\s+[0-9a-f]{12}\s+the janitor toggle$/);
    const limited = JSON.parse(
      (await config('history', '--config', 'notifications', '--limit', '1', '--format', 'json'))
        .stdout,
    );
    expect(limited.versions.map((v: { version: number }) => v.version)).toEqual([2]);
    expect(limited).toMatchObject({ latestVersion: 2, currentVersion: 0 });

    const diff = await config('diff', '--config', 'notifications', '1', '2');
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout.trimEnd().split('\n')).toEqual([
      'notifications v1 → v2: 3 changes',
      '+ /delivery: {"maxAttempts":3}',
      '~ /janitor/enabled: false → true',
      '+ /janitor/intervalSeconds: 600',
    ]);
    const fromEmpty = JSON.parse(
      (await config('diff', '--config', 'notifications', '0', '1', '--format', 'json')).stdout,
    );
    expect(fromEmpty.changes).toEqual([{ op: 'add', path: '/janitor', value: { enabled: false } }]);

    // The registry's latest version is the top layer of explain --remote.
    const explained = await runCli(
      [
        'config',
        'explain',
        'janitor.intervalSeconds',
        '--schema',
        'notifications',
        '--remote',
        registry.base,
      ],
      { NOTIFICATIONS_JANITOR_INTERVAL_SECONDS: undefined },
    );
    expect(explained.code, explained.stderr).toBe(0);
    expect(explained.stdout).toContain(
      'janitor.intervalSeconds = 600\n  from       remote registry v2\n  overrides  default: 300',
    );
  });

  it('shows the configs, one config and its instances', async () => {
    const overview = await config('status');
    expect(overview.code, overview.stderr).toBe(0);
    expect(overview.stdout).toMatch(/^CONFIG\s+LATEST\s+CURRENT\s+INSTANCES\s+ROLLOUT$/m);
    expect(overview.stdout).toMatch(/^notifications\s+v2\s+none\s+0\s+-$/m);
    expect(overview.stdout).not.toContain('MIXED');
    const one = await config('status', '--config', 'notifications');
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain('notifications: latest v2, current none (schema v1)');
    expect(one.stdout).toContain('no instance has announced itself');
    const json = JSON.parse(
      (await config('status', '--config', 'notifications', '--format', 'json')).stdout,
    );
    expect(json).toMatchObject({
      summary: { config: 'notifications', latestVersion: 2, rollout: null },
      instances: { instances: [], mixed: false },
      rollout: null,
    });
  });

  it("turns the registry's problem+json refusals into one line with its detail, exit 2", async () => {
    expectOneLineFailure(
      await config('history', '--config', 'billing'),
      'no config is named billing: the registry knows notifications (config registry: HTTP 404 CONFIG_NOT_FOUND)',
    );
    expectOneLineFailure(
      await config('diff', '--config', 'notifications', '1', '9'),
      'config notifications has no version 9 (config registry: HTTP 404 CONFIG_NOT_FOUND)',
    );
    expectOneLineFailure(
      await config('status', '--rollout', '00000000-0000-4000-8000-000000000000'),
      /no rollout has id "00000000-0000-4000-8000-000000000000" \(config registry: HTTP 404 CONFIG_NOT_FOUND\)/,
    );
    // Published, then the rollout is refused: this registry has no transport to reach instances.
    const rollout = await config('publish', janitorOff, '--config', 'notifications', '--rollout');
    expect(rollout.stdout).toMatch(/^published notifications v3/m);
    expectOneLineFailure(
      rollout,
      /runs without a rollout transport.*\(config registry: HTTP 503 CONFIG_NO_TRANSPORT, errorId [0-9a-f-]{36}\)/,
    );
    expectOneLineFailure(
      await config('revert', '--config', 'notifications', '--to', '1'),
      /HTTP 503 CONFIG_NO_TRANSPORT/,
    );
  });

  it('refuses bad flags before asking the registry', async () => {
    expectOneLineFailure(
      await config('diff', '--config', 'notifications', 'one', '2'),
      'FROM takes a version number, 0 or more, not "one"',
    );
    expectOneLineFailure(
      await config('revert', '--config', 'notifications', '--to', '0'),
      '--to takes a version number, 1 or more, not "0"',
    );
    expectOneLineFailure(
      await config('history', '--config', 'notifications', '--limit', '0'),
      /--limit takes a number of versions/,
    );
    expectOneLineFailure(
      await config('status', '--config', 'notifications', '--rollout', 'x'),
      'give --config or --rollout, not both',
    );
    expectOneLineFailure(
      await config('status', '--rollout', 'latest'),
      /--rollout takes a rollout id \(a UUID\)/,
    );
    const badUrl = await runCli(['config', 'status', '--registry', 'ftp://registry']);
    expectOneLineFailure(badUrl, 'registry URL ftp://registry: use http:// or https://');
  });
});
