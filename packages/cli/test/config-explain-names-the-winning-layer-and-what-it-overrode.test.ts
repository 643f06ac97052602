import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectOneLineFailure, runCli } from './run-cli.js';

/**
 * `bulwark config explain`, with no service: the schema's defaults, the files in the order given,
 * then the environment variables the schema binds (this shell's, over an --env-file's), each
 * value named by the layer and origin that set it and what it overrode.
 */
const dir = mkdtempSync(join(tmpdir(), 'bw-config-explain-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const base = file('base.yaml', 'janitor:\n  enabled: true\n  intervalSeconds: 120\n');
const production = file('production.yaml', 'janitor:\n  enabled: false\n');
const envFile = file(
  'production.env',
  'NOTIFICATIONS_WORKERS=6\nNOTIFICATIONS_JANITOR_ENABLED=yes\n',
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The shell's own NOTIFICATIONS_* variables must not leak into what the tests expect.
const clean = { NOTIFICATIONS_JANITOR_ENABLED: undefined, NOTIFICATIONS_WORKERS: undefined };
const explain = (args: string[], env: Record<string, string | undefined> = {}) =>
  runCli(['config', 'explain', ...args], { ...clean, ...env });

describe('bulwark config explain', () => {
  it('names the winning layer of one key and every lower layer it overrode, highest first', async () => {
    const run = await explain([
      'janitor.enabled',
      '--schema',
      'notifications',
      '--file',
      base,
      '--file',
      production,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trimEnd().split('\n')).toEqual([
      'janitor.enabled = false',
      `  from       file ${production}`,
      `  overrides  file ${base}: true`,
      '             default: true',
    ]);
  });

  it('puts an environment variable of this shell over the files, and says which variable', async () => {
    const run = await explain(
      [
        '/janitor/enabled',
        '--schema',
        'notifications@1',
        '--file',
        base,
        '--file',
        production,
        '--format',
        'json',
      ],
      { NOTIFICATIONS_JANITOR_ENABLED: 'on' },
    );
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.schema).toBe('notifications v1');
    expect(report.keys).toEqual([
      {
        key: 'janitor.enabled',
        pointer: '/janitor/enabled',
        value: true,
        layer: 'env',
        origin: 'NOTIFICATIONS_JANITOR_ENABLED',
        overridden: [
          { layer: 'file', origin: production, value: false },
          { layer: 'file', origin: base, value: true },
          { layer: 'default', origin: 'schema notifications v1', value: true },
        ],
      },
    ]);
  });

  it('explains every key with no KEY, with an --env-file under the shell and --no-env leaving the shell out', async () => {
    const both = await explain(
      ['--schema', 'notifications', '--file', base, '--env-file', envFile, '--format', 'json'],
      { NOTIFICATIONS_WORKERS: '9' },
    );
    expect(both.code, both.stderr).toBe(0);
    const keys = Object.fromEntries(
      JSON.parse(both.stdout).keys.map((k: { key: string }) => [k.key, k]),
    );
    expect(Object.keys(keys)).toEqual([
      'delivery.maxAttempts',
      'delivery.workers',
      'janitor.enabled',
      'janitor.intervalSeconds',
      'janitor.retentionDays',
      'smtp.host',
      'smtp.port',
    ]);
    // The shell's 9 wins over the file's 6; the file's yes over base.yaml's true.
    expect(keys['delivery.workers']).toMatchObject({ value: 9, layer: 'env' });
    expect(keys['janitor.enabled']).toMatchObject({ value: true, layer: 'env' });
    expect(keys['janitor.intervalSeconds']).toMatchObject({
      value: 120,
      layer: 'file',
      origin: base,
    });
    expect(keys['janitor.retentionDays']).toMatchObject({
      value: 30,
      layer: 'default',
      overridden: [],
    });

    const fileOnly = await explain(
      ['delivery.workers', '--schema', 'notifications', '--env-file', envFile, '--no-env'],
      { NOTIFICATIONS_WORKERS: '9' },
    );
    expect(fileOnly.code, fileOnly.stderr).toBe(0);
    expect(fileOnly.stdout).toContain(
      'delivery.workers = 6\n  from       env NOTIFICATIONS_WORKERS',
    );
  });

  it('lists the layers in order above a table of every key', async () => {
    const run = await explain(['--schema', 'notifications', '--file', base, '--file', production], {
      NOTIFICATIONS_WORKERS: '8',
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      `notifications v1: defaults → file ${base} → file ${production} → env NOTIFICATIONS_WORKERS`,
    );
    expect(run.stdout).toMatch(/^KEY\s+VALUE\s+FROM\s+OVERRIDES$/m);
    expect(run.stdout).toMatch(/^delivery\.workers\s+8\s+env NOTIFICATIONS_WORKERS\s+default: 4$/m);
    expect(run.stdout).toMatch(
      new RegExp(
        `^janitor\\.enabled\\s+false\\s+file ${production}\\s+file ${base}: true, default: true$`,
        'm',
      ),
    );
  });

  it('refuses bad input in one line, exit 2: a section, a failing layer, a literal secret, an unknown schema', async () => {
    expectOneLineFailure(
      await explain(['janitor', '--schema', 'notifications']),
      /"janitor" is a section of notifications v1; its keys: janitor\.enabled, janitor\.intervalSeconds/,
    );
    expectOneLineFailure(
      await explain([
        '--schema',
        'notifications',
        '--file',
        file('bad.yaml', 'delivery:\n  workers: 0\n'),
      ]),
      /\/delivery\/workers must be >= 1 \(from file .*bad\.yaml\)/,
    );
    expectOneLineFailure(
      await explain(['--schema', 'notifications'], { NOTIFICATIONS_WORKERS: 'many' }),
      'NOTIFICATIONS_WORKERS must be a whole number; it sets /delivery/workers',
    );
    const secret = await explain(['--schema', 'notifications'], {
      NOTIFICATIONS_SMTP_PASSWORD: 'hunter2-literal',
    });
    expectOneLineFailure(
      secret,
      /\/smtp\/password holds a literal value.*\(from env NOTIFICATIONS_SMTP_PASSWORD\)/,
    );
    expect(secret.stderr).not.toContain('hunter2');
    expectOneLineFailure(
      await explain(['--schema', 'notifications@7']),
      'unknown config schema "notifications" v7: notifications has v1',
    );
    expectOneLineFailure(
      await explain(['--schema', 'Notifications!']),
      /--schema takes a config schema name/,
    );
    expectOneLineFailure(
      await explain(['--schema', 'notifications', '--env-file', join(dir, 'absent.env')]),
      /--env-file .*absent\.env does not exist/,
    );
  });
});
