import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineFailure, runCli } from './run-cli.js';

/**
 * A document failing its schema (naming the path), an unknown schema version and a literal
 * secret are bad input: one line and exit 2, from `validate` with no service, and from `publish`
 * before any request leaves (a listening server here counts the requests that reach it).
 */
const dir = mkdtempSync(join(tmpdir(), 'bw-config-validate-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const good = file('janitor-off.yaml', 'janitor:\n  enabled: false\n');
const failing = file('failing.yaml', 'janitor:\n  enabled: false\n  intervalSeconds: 5\n');
const unknownKey = file('unknown-key.json', '{"janitor": {"enabeld": false}}');
const secret = file('secret.yaml', 'smtp:\n  username: mailer\n  password: s3cr3t-value\n');
const credential = file(
  'credential.yaml',
  'smtp:\n  host: "postgres://app:pa55word@db.internal/app"\n',
);
const unparsable = file('unparsable.yaml', 'janitor: [\n');

let requests = 0;
let server: Server;
let registry: string;
beforeAll(async () => {
  server = createServer((_request, response) => {
    requests++;
    response.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const validate = (path: string, schema = 'notifications', ...rest: string[]) =>
  runCli(['config', 'validate', path, '--schema', schema, ...rest]);
const publish = (path: string, ...rest: string[]) =>
  runCli(['config', 'publish', path, '--config', 'notifications', '--registry', registry, ...rest]);

describe('bulwark config validate', () => {
  it('passes a valid document, exit 0, and shows it completed with the defaults in JSON', async () => {
    const run = await validate(good);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`valid  ${good} against notifications v1\n`);
    const json = await validate(good, 'notifications@1', '--format', 'json');
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      valid: true,
      schema: 'notifications v1',
      document: { janitor: { enabled: false } },
      resolved: { janitor: { enabled: false, intervalSeconds: 300 }, delivery: { workers: 4 } },
    });
  });

  it('refuses a document failing its schema in one line naming the JSON pointer, exit 2', async () => {
    expectOneLineFailure(
      await validate(failing),
      /^bulwark: config notifications v1: \/janitor\/intervalSeconds must be >= 10 \(from file .*failing\.yaml\)$/m,
    );
    expectOneLineFailure(
      await validate(unknownKey),
      /\/janitor\/enabeld is not a known key \(expected one of: enabled, intervalSeconds, retentionDays\)/,
    );
  });

  it('refuses an unknown schema or schema version, naming what there is, exit 2', async () => {
    expectOneLineFailure(
      await validate(good, 'notifications@2'),
      'unknown config schema "notifications" v2: notifications has v1',
    );
    expectOneLineFailure(
      await validate(good, 'billing'),
      'unknown config schema "billing": known schemas are notifications v1',
    );
  });

  it('refuses a literal secret naming the path and never the value, exit 2', async () => {
    const run = await validate(secret);
    expectOneLineFailure(
      run,
      /\/smtp\/password holds a literal value: a secret key takes a reference like \$\{secret:name\}/,
    );
    expect(run.stderr).not.toContain('s3cr3t');
    const url = await validate(credential);
    expectOneLineFailure(url, /\/smtp\/host holds what looks like a URL with a password/);
    expect(url.stderr).not.toContain('pa55word');
  });

  it('refuses a file it cannot read or parse, exit 2', async () => {
    expectOneLineFailure(
      await validate(join(dir, 'absent.yaml')),
      /config file .*absent\.yaml does not exist/,
    );
    expectOneLineFailure(
      await validate(unparsable),
      /config file .*unparsable\.yaml cannot be parsed at line/,
    );
  });
});

describe('bulwark config publish', () => {
  it('refuses the same bad documents before any request reaches the registry', async () => {
    expectOneLineFailure(await publish(failing), /\/janitor\/intervalSeconds must be >= 10/);
    expectOneLineFailure(await publish(secret), /\/smtp\/password holds a literal value/);
    expectOneLineFailure(
      await publish(good, '--schema-version', '3'),
      'unknown config schema "notifications" v3: notifications has v1',
    );
    expectOneLineFailure(await publish(good, '--wait'), '--wait goes with --rollout');
    expectOneLineFailure(
      await publish(good, '--rollout', '--stages', '1,0%'),
      /--stages: "0%" is neither a number of instances/,
    );
    expectOneLineFailure(
      await publish(good, '--rollout', '--bake', 'soon'),
      '--bake takes a duration like 90d, 24h, 30m or 45s, not "soon"',
    );
    expect(requests).toBe(0);
  });

  it('says in one line, exit 2, that the registry cannot be reached, and where', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expectOneLineFailure(
      await runCli(['config', 'publish', good, '--config', 'notifications'], {
        BULWARK_CONFIG_REGISTRY_URL: `http://127.0.0.1:${port}`,
      }),
      `cannot reach the config registry at http://127.0.0.1:${port}: connect ECONNREFUSED`,
    );
  });
});
