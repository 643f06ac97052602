import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createService } from '@bulwark/kit';
import { readApiKeyDocument } from '@bulwark/kit/api-keys';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli as bulwark, expectOneLineFailure } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'bulwark-cli-api-keys-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const KEY = /^bwk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/;
const DAY = 86_400_000;
const env = { BULWARK_API_KEYS: undefined };

describe('bulwark api-keys', () => {
  const file = join(work, 'keys', 'api-keys.json');

  it('create prints the key once, alone on stdout, and writes only its hash (mode 0600)', async () => {
    const created = await bulwark(
      [
        'api-keys',
        'create',
        '--file',
        file,
        '--subject',
        'billing',
        '--scopes',
        'ledger:read, ledger:write',
        '--org',
        'acme',
        '--expires-in',
        '90d',
      ],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(KEY);
    expect(created.stdout).toBe(`${key}\n`);
    expect(created.stderr).toMatch(/created API key [0-9a-f]{16} for billing/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(key.slice(21));
    const [entry] = (await readApiKeyDocument(file)).keys;
    expect(entry).toMatchObject({
      subject: 'billing',
      scopes: ['ledger:read', 'ledger:write'],
      org: 'acme',
    });
    expect(Date.parse(entry?.expiresAt as string) - Date.now()).toBeGreaterThan(90 * DAY - 60_000);
  });

  it('--format json gives the entry and the key, never the hash', async () => {
    const created = await bulwark(
      ['api-keys', 'create', '--file', file, '--subject', 'search', '--format', 'json'],
      env,
    );
    expect(created.code).toBe(0);
    const output = JSON.parse(created.stdout);
    expect(output).toMatchObject({ subject: 'search', scopes: [], state: 'active' });
    expect(output.key).toMatch(KEY);
    expect(created.stdout).not.toMatch(/[0-9a-f]{64}/);
  });

  it('rotate prints a new key; the old one gets expiresAt = now + overlap', async () => {
    const rotated = await bulwark(
      ['api-keys', 'rotate', '--file', file, '--subject', 'search', '--overlap', '24h'],
      env,
    );
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout.trim()).toMatch(KEY);
    expect(rotated.stderr).toMatch(/rotated search: new key [0-9a-f]{16}/);
    const search = (await readApiKeyDocument(file)).keys.filter((k) => k.subject === 'search');
    expect(search).toHaveLength(2);
    const [old, fresh] = search;
    expect(Math.abs(Date.parse(old?.expiresAt as string) - (Date.now() + DAY))).toBeLessThan(
      60_000,
    );
    expect(fresh?.expiresAt).toBeUndefined();
  });

  it('revoke marks one key; list shows states and never a whole hash', async () => {
    const [billing] = (await readApiKeyDocument(file)).keys;
    const revoked = await bulwark(
      ['api-keys', 'revoke', '--file', file, '--id', billing?.id as string],
      env,
    );
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`revoked API key ${billing?.id} (billing)`);

    const listed = await bulwark(['api-keys', 'list', '--file', file, '--format', 'json'], env);
    expect(listed.code).toBe(0);
    const keys = JSON.parse(listed.stdout) as Array<{
      subject: string;
      state: string;
      hashPrefix: string;
    }>;
    expect(keys.map((k) => [k.subject, k.state])).toEqual([
      ['billing', 'revoked'],
      ['search', 'active'],
      ['search', 'active'],
    ]);
    expect(listed.stdout).not.toMatch(/[0-9a-f]{64}/);
    expect(listed.stdout).not.toContain('"hash"');

    const table = await bulwark(['api-keys', 'list', '--file', file], env);
    expect(table.stdout).toMatch(/ID\s+SUBJECT\s+SCOPES\s+ORG\s+STATE/);
    expect(table.stdout).toMatch(/sha256:[0-9a-f]{8}…/);
    expect(table.stdout).not.toMatch(/[0-9a-f]{64}/);
  });

  it('a created key authenticates against a service reading the file', async () => {
    const served = join(work, 'served.json');
    const created = await bulwark(
      ['api-keys', 'create', '--file', served, '--subject', 'reports', '--scopes', 'r'],
      env,
    );
    const key = created.stdout.trim();
    const service = createService({
      name: 'cli-api-keys',
      version: '1.0.0',
      env: {},
      handleProcessSignals: false,
      logDestination: new Writable({ write: (_chunk, _encoding, done) => done() }),
      http: { port: 0 },
      shutdown: { drainDelayMs: 0 },
      auth: { mode: 'required', apiKeys: { source: served, reloadIntervalMs: 0 } },
    });
    service.app.get('/whoami', async (req) => ({ subject: req.principal?.subject }));
    await service.listen();
    try {
      const call = (headers: Record<string, string>) =>
        request(`http://127.0.0.1:${service.port}/whoami`, { headers }).then(async (r) => ({
          status: r.statusCode,
          body: await r.body.text(),
        }));
      expect(await call({ 'x-api-key': key })).toEqual({
        status: 200,
        body: '{"subject":"reports"}',
      });
      expect((await call({ 'x-api-key': `${key.slice(0, -1)}x` })).status).toBe(401);
    } finally {
      await service.shutdown();
    }
  });

  it('bad input exits 2 with a one-line cause', async () => {
    expectOneLineFailure(
      await bulwark(['api-keys', 'list', '--file', join(work, 'absent.json')], env),
      /API keys file .*absent.json does not exist/,
    );
    expectOneLineFailure(
      await bulwark(
        ['api-keys', 'create', '--file', file, '--subject', 'x', '--expires-in', '3 weeks'],
        env,
      ),
      /--expires-in takes a duration like 90d/,
    );
    expectOneLineFailure(
      await bulwark(
        ['api-keys', 'rotate', '--file', file, '--subject', 'x', '--overlap', 'soon'],
        env,
      ),
      /--overlap takes a duration/,
    );
    expectOneLineFailure(
      await bulwark(
        ['api-keys', 'rotate', '--file', file, '--subject', 'nobody', '--overlap', '1h'],
        env,
      ),
      /no current API key for subject nobody/,
    );
    expectOneLineFailure(
      await bulwark(['api-keys', 'revoke', '--file', file, '--id', 'ffffffffffffffff'], env),
      /no API key with id ffffffffffffffff/,
    );
    expectOneLineFailure(
      await bulwark(
        ['api-keys', 'create', '--file', file, '--subject', 'x', '--scopes', 'bad scope'],
        env,
      ),
      /invalid key: .*scopes/,
    );
    expectOneLineFailure(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a secret reference, not a template
      await bulwark(['api-keys', 'list', '--file', '${secret:api-keys}'], env),
      /is a secret reference/,
    );
    const corrupt = join(work, 'corrupt.json');
    await import('node:fs').then((fs) => fs.writeFileSync(corrupt, '{"format":"other"}'));
    expectOneLineFailure(
      await bulwark(['api-keys', 'create', '--file', corrupt, '--subject', 'x'], env),
      /corrupt.json is not a bulwark.api-keys\/v1 document/,
    );
    const missingSubject = await bulwark(['api-keys', 'create', '--file', file], env);
    expect(missingSubject.code).toBe(2);
    expect(missingSubject.stderr).toMatch(/--subject/);
    const missingFile = await bulwark(['api-keys', 'list'], env);
    expect(missingFile.code).toBe(2);
    expect(missingFile.stderr).toMatch(/--file/);
  });

  it('--help names every subcommand and exits 0', async () => {
    const help = await bulwark(['api-keys', '--help'], env);
    expect(help.code).toBe(0);
    for (const command of ['create', 'rotate', 'revoke', 'list'])
      expect(help.stdout).toContain(command);
    const createHelp = await bulwark(['api-keys', 'create', '--help'], env);
    expect(createHelp.code).toBe(0);
    expect(createHelp.stdout).toContain('--expires-in');
  });
});
