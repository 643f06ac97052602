import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import {
  builtInConfigSchemas,
  ConfigRegistryError,
  ConfigSchemas,
  ConfigSection,
  NotificationsConfigV1,
  SecretRef,
} from '../src/index.js';

function thrown(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('the config schema registry', () => {
  it('ships notifications v1, with its janitor toggle bound to NOTIFICATIONS_JANITOR_ENABLED', () => {
    const schemas = builtInConfigSchemas();
    const entry = schemas.get('notifications', 1);
    expect(entry.label).toBe('notifications v1');
    expect(entry.schema).toBe(NotificationsConfigV1);
    expect(entry.envBindings).toContainEqual({
      variable: 'NOTIFICATIONS_JANITOR_ENABLED',
      pointer: '/janitor/enabled',
      type: 'boolean',
      secret: false,
    });
    expect(entry.defaults).toMatchObject({ janitor: { enabled: true, intervalSeconds: 300 } });
  });

  it('exposes the JSON pointers of restart keys and secret keys', () => {
    const entry = builtInConfigSchemas().get('notifications', 1);
    expect(entry.restartKeys).toEqual(['/delivery/workers']);
    expect(entry.secretKeys).toEqual(['/smtp/password']);
  });

  it('refuses an unknown version with CONFIG_UNKNOWN_SCHEMA naming the versions there are', () => {
    const error = thrown(() => builtInConfigSchemas().get('notifications', 3));
    expect(error).toBeInstanceOf(ConfigRegistryError);
    expect(error).toMatchObject({ code: 'CONFIG_UNKNOWN_SCHEMA' });
    expect((error as Error).message).toBe(
      'unknown config schema "notifications" v3: notifications has v1',
    );
  });

  it('refuses an unknown name naming the schemas there are', () => {
    const error = thrown(() => builtInConfigSchemas().latest('billing'));
    expect(error).toMatchObject({ code: 'CONFIG_UNKNOWN_SCHEMA' });
    expect((error as Error).message).toBe(
      'unknown config schema "billing": known schemas are notifications v1',
    );
  });

  it('keeps versions side by side: latest is the highest, get still finds the older', () => {
    const schemas = builtInConfigSchemas();
    const v2 = ConfigSection({ janitor: ConfigSection({ enabled: Type.Boolean() }) });
    schemas.register({ name: 'notifications', version: 2, schema: v2 });
    schemas.register({ name: 'audit', version: 1, schema: ConfigSection({}) });
    expect(schemas.latest('notifications').version).toBe(2);
    expect(schemas.get('notifications', 1).schema).toBe(NotificationsConfigV1);
    expect(schemas.list().map((entry) => entry.label)).toEqual([
      'audit v1',
      'notifications v1',
      'notifications v2',
    ]);
    expect(schemas.has('notifications', 2)).toBe(true);
    expect(schemas.has('notifications', 9)).toBe(false);
  });

  it('finds restart and secret keys inside arrays and records as * pointers', () => {
    const schemas = new ConfigSchemas([
      {
        name: 'brokers',
        version: 1,
        schema: ConfigSection({
          brokers: Type.Array(
            ConfigSection({ url: Type.String({ 'x-restart': true }), token: SecretRef() }),
          ),
          tenants: Type.Record(Type.String(), ConfigSection({ key: SecretRef() }), {
            additionalProperties: false,
          }),
        }),
      },
    ]);
    const entry = schemas.get('brokers', 1);
    expect(entry.restartKeys).toEqual(['/brokers/*/url']);
    expect(entry.secretKeys).toEqual(['/brokers/*/token', '/tenants/*/key']);
  });

  it('refuses at registration a schema that could not keep the registry’s rules', () => {
    const schemas = new ConfigSchemas();
    const open = Type.Object({ a: Type.String() });
    expect(() => schemas.register({ name: 'open', version: 1, schema: open })).toThrow(
      'config schema open v1: / is an object that accepts unknown keys',
    );
    const defaulted = ConfigSection({ password: SecretRef({ default: `\${secret:x}` }) });
    expect(() => schemas.register({ name: 'defaulted', version: 1, schema: defaulted })).toThrow(
      '/password is a secret and cannot have a default',
    );
    const twice = ConfigSection({
      a: Type.String({ 'x-env': 'SAME' }),
      b: Type.String({ 'x-env': 'SAME' }),
    });
    expect(() => schemas.register({ name: 'twice', version: 1, schema: twice })).toThrow(
      '/b reuses SAME, which already overrides /a',
    );
    const good = ConfigSection({});
    schemas.register({ name: 'good', version: 1, schema: good });
    expect(() => schemas.register({ name: 'good', version: 1, schema: good })).toThrow(
      'good v1 is registered already',
    );
    expect(() => schemas.register({ name: 'good', version: 0, schema: good })).toThrow(
      'version 0 is not a whole number >= 1',
    );
    expect(
      thrown(() => schemas.register({ name: 'Bad.Name', version: 1, schema: good })),
    ).toMatchObject({
      code: 'CONFIG_BAD_NAME',
    });
  });
});
