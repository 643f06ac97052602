import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readApiKeyDocument, revokeApiKey, writeApiKeyDocument } from '@bulwark/kit/api-keys';
import { freePort } from '@bulwark/testkit';
import { describe, expect, it } from 'vitest';
import { prepareDevCredentials } from '../src/stack/dev-credentials.js';
import { resolveStack } from '../src/stack/resolve-stack.js';
import type { StackFile } from '../src/stack/stack-file.js';
import { repo, runUp, stackDir, stackService } from './up-harness.js';

const stack: StackFile = {
  services: [
    { name: 'ledger', entry: stackService, port: 8081 },
    {
      name: 'core-api',
      entry: stackService,
      port: 8080,
      https: { redirectPort: 8088 },
      apiKey: { subject: 'local-operator', scopes: ['items:read'] },
      env: { KEEP: 'x' },
    },
  ],
};

describe('a stack service with https and apiKey (in process)', () => {
  it('speaks HTTPS at its URL and gets its certificate, redirect port and API keys by env', () => {
    const [, core] = resolveStack(stack, '/srv/stack');
    expect(core?.url).toBe('https://127.0.0.1:8080');
    expect(core?.redirectPort).toBe(8088);
    expect(core?.env).toEqual({
      BULWARK_TLS_CERT_FILE: '/srv/stack/.bulwark/dev/core-api.pem',
      BULWARK_TLS_KEY_FILE: '/srv/stack/.bulwark/dev/core-api-key.pem',
      BULWARK_TLS_REDIRECT_PORT: '8088',
      BULWARK_AUTH: 'required',
      BULWARK_API_KEYS: '/srv/stack/.bulwark/dev/core-api.api-keys.json',
      KEEP: 'x',
    });
  });

  it('moves the redirect port after the services with --port-base, and lets the env win', () => {
    const explicit: StackFile = {
      ...stack,
      services: [stack.services[0]!, { ...stack.services[1]!, env: { BULWARK_AUTH: 'off' } }],
    };
    const [ledger, core] = resolveStack(explicit, '/', { base: 9000 });
    expect([ledger?.port, core?.port, core?.redirectPort]).toEqual([9000, 9001, 9002]);
    expect(core?.env.BULWARK_TLS_REDIRECT_PORT).toBe('9002');
    expect(core?.env.BULWARK_AUTH).toBe('off');
  });

  it('refuses a redirect port that another service uses', () => {
    expect(() =>
      resolveStack(
        { ...stack, services: [{ ...stack.services[0]!, port: 8088 }, stack.services[1]!] },
        '/',
      ),
    ).toThrow(/port 8088 would be used by both/);
  });

  it('makes the credentials once, keeps them, and replaces a key the document stopped accepting', async () => {
    const { dir } = stackDir('services: []\n');
    const services = resolveStack(stack, dir);
    const credentials = join(dir, 'dev');
    const first = await prepareDevCredentials(services, credentials);
    expect(first.lines.join('\n')).toMatch(/ca created, core-api created/);
    expect(first.lines.join('\n')).toMatch(/dev API key for core-api: created for local-operator/);
    const keyFile = first.apiKeyFiles.get('core-api')!;
    const key = readFileSync(keyFile, 'utf8').trim();
    expect(key).toMatch(/^bwk_/);

    const second = await prepareDevCredentials(services, credentials);
    expect(second.lines.join('\n')).toMatch(/dev certificates: kept/);
    expect(second.lines.join('\n')).toMatch(/dev API key for core-api: kept/);
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(key);

    const documentFile = join(credentials, 'core-api.api-keys.json');
    const document = await readApiKeyDocument(documentFile);
    await writeApiKeyDocument(documentFile, revokeApiKey(document, document.keys[0]!.id).document);
    const third = await prepareDevCredentials(services, credentials);
    expect(third.lines.join('\n')).toMatch(/dev API key for core-api: created/);
    const replaced = readFileSync(keyFile, 'utf8').trim();
    expect(replaced).not.toBe(key);
    expect((await readApiKeyDocument(documentFile)).keys).toHaveLength(2);
  });
});

describe('bulwark up with an HTTPS service that requires an API key', () => {
  it('makes the dev credentials, waits for /ready over HTTPS and probes with the key', async () => {
    const [port, redirect] = [await freePort(), await freePort()];
    const { file } = stackDir(`services:
  - name: core-api
    entry: ${join(repo, 'services/core-api/src/main.ts')}
    port: ${port}
    https: { redirectPort: ${redirect} }
    apiKey: { scopes: [items:read, items:write] }
    env: { BULWARK_SHUTDOWN_DRAIN_DELAY_MS: "100" }
`);
    const { code, stdout, stderr } = await runUp([
      'up',
      '--once',
      '--stack',
      file,
      '--format',
      'json',
    ]);
    expect(stderr).toContain(`ready  core-api  https://127.0.0.1:${port}`);
    expect(stderr).toMatch(/dev API key for core-api: created for local-operator/);
    const report = JSON.parse(stdout) as {
      ok: boolean;
      targets: Array<{ url: string; checks: Array<{ id: string; ok: boolean }> }>;
    };
    const checks = Object.fromEntries(report.targets[0]!.checks.map((c) => [c.id, c.ok]));
    expect(checks).toMatchObject({ tls: true, auth: true, headers: true, errors: true });
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
  });
});
