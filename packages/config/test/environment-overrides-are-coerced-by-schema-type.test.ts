import { describe, expect, it } from 'vitest';
import { builtInConfigSchemas, resolveConfig } from '../src/index.js';

const notifications = builtInConfigSchemas().get('notifications', 1);

async function janitorEnabled(text: string): Promise<unknown> {
  const resolved = await resolveConfig({
    entry: notifications,
    env: { NOTIFICATIONS_JANITOR_ENABLED: text },
  });
  return (resolved.value.janitor as Record<string, unknown>).enabled;
}

describe('environment variable overrides', () => {
  it('turn the janitor off with NOTIFICATIONS_JANITOR_ENABLED=false, sourced to the variable', async () => {
    const resolved = await resolveConfig({
      entry: notifications,
      env: { NOTIFICATIONS_JANITOR_ENABLED: 'false' },
    });
    expect(resolved.value.janitor).toMatchObject({ enabled: false });
    expect(resolved.sources['/janitor/enabled']).toEqual({
      layer: 'env',
      origin: 'NOTIFICATIONS_JANITOR_ENABLED',
    });
  });

  it.each([
    ['false', false],
    ['0', false],
    ['OFF', false],
    ['no', false],
    ['true', true],
    ['1', true],
    [' on ', true],
    ['Yes', true],
  ])('read a boolean from %j', async (text, expected) => {
    expect(await janitorEnabled(text)).toBe(expected);
  });

  it('read an integer key as a number', async () => {
    const resolved = await resolveConfig({
      entry: notifications,
      env: { NOTIFICATIONS_JANITOR_INTERVAL_SECONDS: '900' },
    });
    expect(resolved.value.janitor).toMatchObject({ intervalSeconds: 900 });
  });

  it('leave an empty or unset variable to the lower layers', async () => {
    expect(await janitorEnabled('')).toBe(true);
    expect(await janitorEnabled('   ')).toBe(true);
  });

  it('refuse a value that is not the key’s type, naming the variable, not quoting it', async () => {
    await expect(janitorEnabled('flase')).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      path: '/janitor/enabled',
      message:
        'config notifications v1: NOTIFICATIONS_JANITOR_ENABLED must be on or off ' +
        '(true/false, 1/0, on/off, yes/no); it sets /janitor/enabled',
    });
    for (const text of ['1.5', '12abc', '0x10', '9007199254740993']) {
      const promise = resolveConfig({
        entry: notifications,
        env: { NOTIFICATIONS_WORKERS: text },
      });
      await expect(promise).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('NOTIFICATIONS_WORKERS must be a whole number'),
      });
      await expect(promise).rejects.not.toMatchObject({ message: expect.stringContaining(text) });
    }
  });

  it('refuse a well-typed value the schema refuses, naming the key and the variable', async () => {
    await expect(
      resolveConfig({ entry: notifications, env: { NOTIFICATIONS_WORKERS: '500' } }),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      path: '/delivery/workers',
      message:
        'config notifications v1: /delivery/workers must be <= 64 (from env NOTIFICATIONS_WORKERS)',
    });
  });
});
