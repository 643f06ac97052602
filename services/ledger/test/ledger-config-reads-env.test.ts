import { ConfigError } from '@bulwark/kit';
import { describe, expect, it } from 'vitest';
import { ledgerConfigFromEnv } from '../src/index.js';

describe('ledger service configuration', () => {
  it('defaults to PGlite under ./.bulwark/state with a witness beside it', () => {
    expect(ledgerConfigFromEnv({})).toEqual({
      dataDir: './.bulwark/state/ledger',
      origin: 'bulwark.local/ledger',
      witnessDir: './.bulwark/state/ledger-witness',
      signingKey: 'ledger-checkpoint',
      checkpointIntervalMs: 60_000,
      treeCache: true,
    });
  });

  it('uses PostgreSQL when DATABASE_URL is set, and reads every variable', () => {
    expect(
      ledgerConfigFromEnv({
        DATABASE_URL: 'postgres://ledger@db:5432/ledger',
        BULWARK_LEDGER_WITNESS_DIR: '/mnt/witness',
        BULWARK_LEDGER_ORIGIN: 'example.com/audit',
        BULWARK_LEDGER_SIGNING_KEY: 'audit-log',
        BULWARK_LEDGER_CHECKPOINT_INTERVAL_MS: '0',
        BULWARK_LEDGER_TREE_CACHE: 'off',
      }),
    ).toMatchObject({
      databaseUrl: 'postgres://ledger@db:5432/ledger',
      witnessDir: '/mnt/witness',
      origin: 'example.com/audit',
      signingKey: 'audit-log',
      checkpointIntervalMs: 0,
      treeCache: false,
    });
  });

  it('reads the tree-cache switch as on or off and refuses anything else', () => {
    expect(ledgerConfigFromEnv({ BULWARK_LEDGER_TREE_CACHE: '' }).treeCache).toBe(true);
    expect(ledgerConfigFromEnv({ BULWARK_LEDGER_TREE_CACHE: 'ON' }).treeCache).toBe(true);
    expect(ledgerConfigFromEnv({ BULWARK_LEDGER_TREE_CACHE: '0' }).treeCache).toBe(false);
    expect(() => ledgerConfigFromEnv({ BULWARK_LEDGER_TREE_CACHE: 'maybe' })).toThrow(
      /BULWARK_LEDGER_TREE_CACHE must be on or off.*"maybe"/,
    );
    expect(() => ledgerConfigFromEnv({ BULWARK_LEDGER_TREE_CACHE: 'maybe' })).toThrow(ConfigError);
  });

  it('treats an empty checkpoint interval as unset, not as "never"', () => {
    expect(
      ledgerConfigFromEnv({ BULWARK_LEDGER_CHECKPOINT_INTERVAL_MS: '' }).checkpointIntervalMs,
    ).toBe(60_000);
    expect(
      ledgerConfigFromEnv({ BULWARK_LEDGER_CHECKPOINT_INTERVAL_MS: '0' }).checkpointIntervalMs,
    ).toBe(0);
  });

  it('refuses a bad value with a ConfigError naming the field', () => {
    expect(() => ledgerConfigFromEnv({ DATABASE_URL: 'mysql://x' })).toThrow(ConfigError);
    expect(() => ledgerConfigFromEnv({ BULWARK_LEDGER_ORIGIN: 'has space' })).toThrow(/origin/);
    expect(() => ledgerConfigFromEnv({ BULWARK_LEDGER_CHECKPOINT_INTERVAL_MS: 'soon' })).toThrow(
      /checkpointIntervalMs/,
    );
  });
});
