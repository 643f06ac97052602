import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  builtInConfigSchemas,
  explainAll,
  explainKey,
  formatExplanation,
  type ResolvedConfig,
  resolveConfig,
} from '../src/index.js';
import { type ConfigFolder, makeConfigFolder } from './fixtures/config-files.js';

const notifications = builtInConfigSchemas().get('notifications', 1);
let folder: ConfigFolder;
let base: string;
let overlay: string;
let resolved: ResolvedConfig;

beforeEach(async () => {
  folder = await makeConfigFolder();
  base = await folder.write('base.yaml', 'janitor:\n  enabled: true\n  intervalSeconds: 120\n');
  overlay = await folder.write('staging.yaml', 'janitor:\n  enabled: true\n');
  resolved = await resolveConfig({
    entry: notifications,
    files: [base, overlay],
    env: { NOTIFICATIONS_JANITOR_ENABLED: 'false' },
    remote: { version: 7, document: { janitor: { retentionDays: 14 } } },
  });
});
afterEach(() => folder.remove());

describe('explaining a key', () => {
  it('gives the value, the winning layer and what each lower layer said, highest first', () => {
    const explanation = explainKey(resolved, 'janitor.enabled');
    expect(explanation).toEqual({
      key: 'janitor.enabled',
      pointer: '/janitor/enabled',
      value: false,
      layer: 'env',
      origin: 'NOTIFICATIONS_JANITOR_ENABLED',
      overridden: [
        { layer: 'file', origin: overlay, value: true },
        { layer: 'file', origin: base, value: true },
        { layer: 'default', origin: 'schema notifications v1', value: true },
      ],
    });
  });

  it('accepts the JSON pointer spelling too', () => {
    expect(explainKey(resolved, '/janitor/enabled')).toEqual(
      explainKey(resolved, 'janitor.enabled'),
    );
  });

  it('names the remote version that won, and a key only the defaults set', () => {
    expect(explainKey(resolved, 'janitor.retentionDays')).toMatchObject({
      value: 14,
      layer: 'remote',
      origin: 'registry v7',
      overridden: [{ layer: 'default', value: 30 }],
    });
    expect(explainKey(resolved, 'delivery.workers')).toMatchObject({
      value: 4,
      layer: 'default',
      overridden: [],
    });
  });

  it('formats one line for a terminal', () => {
    expect(formatExplanation(explainKey(resolved, 'janitor.intervalSeconds'))).toBe(
      `janitor.intervalSeconds = 120 (file ${base}; overrides default: 300)`,
    );
    expect(formatExplanation(explainKey(resolved, 'janitor.enabled'))).toBe(
      `janitor.enabled = false (env NOTIFICATIONS_JANITOR_ENABLED; overrides file ${overlay}: true, file ${base}: true, default: true)`,
    );
  });

  it('refuses a section or an unknown key with CONFIG_NOT_FOUND listing the keys', () => {
    expect(() => explainKey(resolved, 'janitor')).toThrow(
      '"janitor" is a section of notifications v1; its keys: janitor.enabled, janitor.intervalSeconds, janitor.retentionDays',
    );
    try {
      explainKey(resolved, 'janitor.enabeld');
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'CONFIG_NOT_FOUND' });
      expect((error as Error).message).toContain('no layer sets "janitor.enabeld"');
    }
  });

  it('explains every key at once, in pointer order', () => {
    const keys = explainAll(resolved).map((explanation) => explanation.key);
    expect(keys).toEqual([
      'delivery.maxAttempts',
      'delivery.workers',
      'janitor.enabled',
      'janitor.intervalSeconds',
      'janitor.retentionDays',
      'smtp.host',
      'smtp.port',
    ]);
  });
});
