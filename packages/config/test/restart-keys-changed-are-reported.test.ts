import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import {
  builtInConfigSchemas,
  ConfigSchemas,
  ConfigSection,
  restartKeysChanged,
} from '../src/index.js';

const notifications = builtInConfigSchemas().get('notifications', 1);

describe('restart keys a change touches', () => {
  it('are none for a live change like the janitor toggle', () => {
    expect(
      restartKeysChanged(
        notifications,
        { janitor: { enabled: true } },
        { janitor: { enabled: false } },
      ),
    ).toEqual([]);
  });

  it('name an x-restart key whose value differs', () => {
    expect(
      restartKeysChanged(notifications, { delivery: { workers: 4 } }, { delivery: { workers: 8 } }),
    ).toEqual(['/delivery/workers']);
  });

  it('compare a key left out equal to the same key set to its default', () => {
    expect(restartKeysChanged(notifications, {}, { delivery: { workers: 4 } })).toEqual([]);
    expect(restartKeysChanged(notifications, {}, { delivery: { workers: 5 } })).toEqual([
      '/delivery/workers',
    ]);
  });

  it('expand * pointers to the items that changed, appeared or went away', () => {
    const entry = new ConfigSchemas([
      {
        name: 'listeners',
        version: 1,
        schema: ConfigSection({
          listeners: Type.Array(ConfigSection({ port: Type.Integer({ 'x-restart': true }) }), {
            default: [],
          }),
        }),
      },
    ]).get('listeners', 1);
    const before = { listeners: [{ port: 80 }, { port: 443 }] };
    expect(
      restartKeysChanged(entry, before, { listeners: [{ port: 80 }, { port: 8443 }] }),
    ).toEqual(['/listeners/1/port']);
    expect(restartKeysChanged(entry, before, { listeners: [{ port: 80 }] })).toEqual([
      '/listeners/1/port',
    ]);
  });
});
