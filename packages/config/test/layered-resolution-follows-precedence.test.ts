import { Type } from '@sinclair/typebox';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  builtInConfigSchemas,
  ConfigSchemas,
  ConfigSection,
  type ConfigVersion,
  resolveConfig,
} from '../src/index.js';
import { type ConfigFolder, makeConfigFolder } from './fixtures/config-files.js';

const notifications = builtInConfigSchemas().get('notifications', 1);
let folder: ConfigFolder;

beforeEach(async () => {
  folder = await makeConfigFolder();
});
afterEach(() => folder.remove());

describe('layered config resolution', () => {
  it('with no layers is the schema defaults, each leaf sourced to the schema', async () => {
    const resolved = await resolveConfig({ entry: notifications, env: {} });
    expect(resolved.value).toEqual(notifications.defaults);
    expect(resolved.sources['/janitor/enabled']).toEqual({
      layer: 'default',
      origin: 'schema notifications v1',
    });
  });

  it('applies defaults, then files in order, then env, then the remote version', async () => {
    const base = await folder.write(
      'base.yaml',
      'janitor:\n  intervalSeconds: 600\n  retentionDays: 7\ndelivery:\n  workers: 2\nsmtp:\n  host: smtp.base\n',
    );
    const prod = await folder.write(
      'production.json',
      JSON.stringify({ janitor: { retentionDays: 90 }, smtp: { host: 'smtp.prod' } }),
    );
    const remote: ConfigVersion = {
      config: 'notifications',
      version: 7,
      schemaVersion: 1,
      document: { smtp: { host: 'smtp.remote' } },
      digest: 'unused',
      publishedAt: new Date().toISOString(),
      publishedBy: 'test',
    };
    const resolved = await resolveConfig({
      entry: notifications,
      files: [base, prod],
      env: { NOTIFICATIONS_SMTP_HOST: 'smtp.env', NOTIFICATIONS_WORKERS: '8' },
      remote,
    });
    expect(resolved.value).toEqual({
      janitor: { enabled: true, intervalSeconds: 600, retentionDays: 90 },
      delivery: { workers: 8, maxAttempts: 5 },
      smtp: { host: 'smtp.remote', port: 587 },
    });
    expect(resolved.sources).toEqual({
      '/janitor/enabled': { layer: 'default', origin: 'schema notifications v1' },
      '/janitor/intervalSeconds': { layer: 'file', origin: base },
      '/janitor/retentionDays': { layer: 'file', origin: prod },
      '/delivery/workers': { layer: 'env', origin: 'NOTIFICATIONS_WORKERS' },
      '/delivery/maxAttempts': { layer: 'default', origin: 'schema notifications v1' },
      '/smtp/host': { layer: 'remote', origin: 'registry v7' },
      '/smtp/port': { layer: 'default', origin: 'schema notifications v1' },
    });
  });

  it('merges objects key by key but replaces arrays whole', async () => {
    const schemas = new ConfigSchemas([
      {
        name: 'brokers',
        version: 1,
        schema: ConfigSection({
          brokers: Type.Array(Type.String(), { default: ['nats://a:4222'] }),
          tls: Type.Optional(
            ConfigSection({
              enabled: Type.Boolean({ default: false }),
              ca: Type.Optional(Type.String()),
            }),
          ),
        }),
      },
    ]);
    const base = await folder.write(
      'base.yaml',
      'brokers: [nats://b:4222, nats://c:4222]\ntls:\n  ca: /etc/ca.pem\n',
    );
    const overlay = await folder.write(
      'overlay.yaml',
      'brokers: [nats://d:4222]\ntls:\n  enabled: true\n',
    );
    const resolved = await resolveConfig({
      entry: schemas.get('brokers', 1),
      files: [base, overlay],
      env: {},
    });
    expect(resolved.value).toEqual({
      brokers: ['nats://d:4222'],
      tls: { enabled: true, ca: '/etc/ca.pem' },
    });
    expect(resolved.sources['/brokers']).toEqual({ layer: 'file', origin: overlay });
    expect(resolved.sources['/tls/ca']).toEqual({ layer: 'file', origin: base });
  });

  it('treats an empty overlay file as setting nothing', async () => {
    const empty = await folder.write('empty.yaml', '');
    const resolved = await resolveConfig({ entry: notifications, files: [empty], env: {} });
    expect(resolved.value).toEqual(notifications.defaults);
  });

  it('validates the merged document, naming the layer the bad value came from', async () => {
    const overlay = await folder.write('overlay.yaml', 'janitor:\n  intervalSeconds: 2\n');
    await expect(
      resolveConfig({ entry: notifications, files: [overlay], env: {} }),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      path: '/janitor/intervalSeconds',
      message: `config notifications v1: /janitor/intervalSeconds must be >= 10 (from file ${overlay})`,
    });
    const typo = await folder.write('typo.yaml', 'janitor:\n  enabeld: false\n');
    await expect(
      resolveConfig({ entry: notifications, files: [typo], env: {} }),
    ).rejects.toMatchObject({ path: '/janitor/enabeld', message: expect.stringContaining(typo) });
  });

  it('refuses a remote version written against another schema', async () => {
    await expect(
      resolveConfig({
        entry: notifications,
        env: {},
        remote: { config: 'notifications', schemaVersion: 2, version: 9, document: {} },
      }),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message:
        'config notifications v1: registry v9 is a notifications v2 document, not notifications v1',
    });
  });

  it('cannot be steered into another prototype by a __proto__ key in a file', async () => {
    const hostile = await folder.write('hostile.json', '{"__proto__": {"polluted": true}}');
    await expect(
      resolveConfig({ entry: notifications, files: [hostile], env: {} }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID', path: '/__proto__' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
