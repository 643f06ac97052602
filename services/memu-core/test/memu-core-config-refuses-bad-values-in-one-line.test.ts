import { ConfigError } from '@bulwark/kit';
import { describe, expect, it } from 'vitest';
import { memuCoreConfigFromEnv, openMemuCore } from '../src/index.js';
import { QUIET } from './fixtures/memu-core.js';

describe('memu-core configuration', () => {
  it('reads the database location, the ledger and the job settings, with defaults', () => {
    const config = memuCoreConfigFromEnv({ BULWARK_MEMU_CORE_DATA_DIR: '/var/lib/memu' });
    expect(config).toEqual({
      databaseUrl: '/var/lib/memu',
      retentionIntervalMs: 3_600_000,
      compressionIntervalMs: 3_600_000,
      minRecall: 0.9,
      compressionThreshold: 0.95,
    });
    const set = memuCoreConfigFromEnv({
      DATABASE_URL: 'postgres://memu@db:5432/memu',
      BULWARK_MEMU_CORE_DATA_DIR: '/ignored',
      BULWARK_LEDGER_URL: 'http://ledger:8081',
      BULWARK_MEMU_RETENTION_INTERVAL_MS: '0',
      BULWARK_MEMU_MIN_RECALL: '0.97',
    });
    expect(set).toMatchObject({
      databaseUrl: 'postgres://memu@db:5432/memu',
      ledgerUrl: 'http://ledger:8081',
      retentionIntervalMs: 0,
      minRecall: 0.97,
    });
  });

  it.each([
    [{ BULWARK_MEMU_MIN_RECALL: '1.5' }, /minRecall/],
    [{ BULWARK_MEMU_MIN_RECALL: 'high' }, /BULWARK_MEMU_MIN_RECALL must be a number/],
    [{ BULWARK_MEMU_RETENTION_INTERVAL_MS: '-1' }, /retentionIntervalMs/],
    [
      { BULWARK_MEMU_COMPRESSION_INTERVAL_MS: '1.5' },
      /BULWARK_MEMU_COMPRESSION_INTERVAL_MS must be a whole number/,
    ],
    [{ BULWARK_LEDGER_URL: 'ledger:8081' }, /ledgerUrl/],
  ])('refuses %j with a ConfigError naming it', (env, message) => {
    let thrown: unknown;
    try {
      memuCoreConfigFromEnv(env);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).code).toBe('BW_CONFIG_INVALID');
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message).not.toContain('\n');
  });

  it('refuses a bad GPU_ENABLED as a ConfigError before opening the database', async () => {
    await expect(
      openMemuCore({ DATABASE_URL: 'memory://', GPU_ENABLED: 'maybe' }, QUIET),
    ).rejects.toMatchObject({
      code: 'BW_CONFIG_INVALID',
      message: expect.stringMatching(/GPU_ENABLED/),
    });
  });
});
