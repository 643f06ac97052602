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
      witnessUrls: [],
      witnessKeys: [],
      checkpointIntervalMs: 10_000,
      checkpointAfterEntries: 1_000,
      checkpointQuietMs: 1_000,
      windowMaxAgeMs: 60_000,
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
        BULWARK_LEDGER_CHECKPOINT_AFTER_ENTRIES: '50',
        BULWARK_LEDGER_CHECKPOINT_QUIET_MS: '250',
        BULWARK_LEDGER_WINDOW_MAX_AGE_MS: '90000',
        BULWARK_LEDGER_WITNESS_URLS: 'http://witness-a:8082, https://witness-b.example',
        BULWARK_LEDGER_WITNESS_KEYS: 'w.example/1+abcd0123+BAAA',
        BULWARK_LEDGER_TREE_CACHE: 'off',
      }),
    ).toMatchObject({
      databaseUrl: 'postgres://ledger@db:5432/ledger',
      witnessDir: '/mnt/witness',
      origin: 'example.com/audit',
      signingKey: 'audit-log',
      checkpointIntervalMs: 0,
      checkpointAfterEntries: 50,
      checkpointQuietMs: 250,
      windowMaxAgeMs: 90_000,
      witnessUrls: ['http://witness-a:8082', 'https://witness-b.example'],
      witnessKeys: ['w.example/1+abcd0123+BAAA'],
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
    ).toBe(10_000);
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
    expect(() => ledgerConfigFromEnv({ BULWARK_LEDGER_WITNESS_URLS: 'ftp://witness' })).toThrow(
      /witnessUrls/,
    );
    expect(() => ledgerConfigFromEnv({ BULWARK_LEDGER_CHECKPOINT_AFTER_ENTRIES: '-1' })).toThrow(
      /checkpointAfterEntries/,
    );
  });
});
