import { mkdirSync } from 'node:fs';
import {
  type KeyProvider,
  keyProviderConfigFromEnv,
  openKeyProvider,
  openOrCreateKey,
} from '@bulwark/keys';
import { ConfigError, type Service } from '@bulwark/kit';
import {
  DatabaseWitness,
  DirectoryWitness,
  HttpWitness,
  Ledger,
  LedgerAuditSink,
  type NoteKey,
  openDriver,
  parseCosignerKey,
  type SqlDriver,
  type Witness,
} from '@bulwark/ledger';
import { buildLedgerService, type LedgerServiceOptions } from './app.js';
import { ledgerConfigFromEnv } from './config.js';

/**
 * Builds the ledger service from the environment: the store (PostgreSQL or PGlite), the
 * checkpoint signer from @bulwark/keys (every signature audited into this ledger), every
 * version of that key as a trusted verifier, and the witnesses: the directory, an optional
 * witness database, and witness services over HTTP.
 */
export async function openLedgerService(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Omit<LedgerServiceOptions, 'ledger'>> = {},
): Promise<Service> {
  const config = ledgerConfigFromEnv(env);
  const witnessKeys = config.witnessKeys.map((text) => {
    try {
      return parseCosignerKey(text);
    } catch (error) {
      throw new ConfigError(
        `BULWARK_LEDGER_WITNESS_KEYS: ${JSON.stringify(text)}: ${(error as Error).message}`,
      );
    }
  });
  const driver = await openDriver(config.databaseUrl ?? config.dataDir);
  let provider: KeyProvider | undefined;
  let witnessDriver: SqlDriver | undefined;
  try {
    let ledger: Ledger | undefined;
    const audit = new LedgerAuditSink(() => {
      if (!ledger) throw new Error('the ledger is not open yet');
      return ledger;
    });
    provider = await openKeyProvider(keyProviderConfigFromEnv(env), audit);
    const signer = await openOrCreateKey(provider, config.signingKey, {
      create: env.NODE_ENV !== 'production',
    });
    const trustedKeys: NoteKey[] = (await provider.versions(config.signingKey)).map((v) => ({
      name: config.origin,
      publicKey: v.publicKey,
    }));
    mkdirSync(config.witnessDir, { recursive: true });
    const witnesses: Witness[] = [new DirectoryWitness(config.witnessDir, trustedKeys)];
    if (config.witnessDatabaseUrl) {
      witnessDriver = await openDriver(config.witnessDatabaseUrl, { maxConnections: 2 });
      witnesses.push(
        new DatabaseWitness(witnessDriver, {
          name: 'witness-database',
          origin: config.origin,
          keys: trustedKeys,
        }),
      );
    }
    for (const url of config.witnessUrls) {
      witnesses.push(
        new HttpWitness({
          url,
          origin: config.origin,
          logKeys: trustedKeys,
          ...(witnessKeys.length > 0 ? { witnessKeys } : {}),
        }),
      );
    }
    ledger = await Ledger.open(driver, {
      origin: config.origin,
      signer,
      trustedKeys,
      witnesses,
      cacheTree: config.treeCache,
    });
    const service = buildLedgerService({
      ledger,
      checkpointIntervalMs: config.checkpointIntervalMs,
      checkpointAfterEntries: config.checkpointAfterEntries,
      checkpointQuietMs: config.checkpointQuietMs,
      windowMaxAgeMs: config.windowMaxAgeMs,
      env,
      ...overrides,
    });
    const opened = provider;
    service.resources.add('key-provider', () => opened.close());
    const openedWitness = witnessDriver;
    if (openedWitness) service.resources.add('witness-database', () => openedWitness.close());
    return service;
  } catch (error) {
    await provider?.close().catch(() => undefined);
    await witnessDriver?.close().catch(() => undefined);
    await driver.close().catch(() => undefined);
    throw error;
  }
}
