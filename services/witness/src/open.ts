import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  JsonlFileAuditSink,
  type KeyProvider,
  keyProviderConfigFromEnv,
  openKeyProvider,
  openOrCreateKey,
} from '@bulwark/keys';
import { dependencyProbe, postgresProbe, type Service } from '@bulwark/kit';
import { DatabaseWitness, DirectoryWitness, openDriver, type SqlDriver } from '@bulwark/ledger';
import { buildWitnessService, type WitnessServiceOptions } from './app.js';
import { witnessConfigFromEnv } from './config.js';
import { CosigningWitness } from './cosigning-witness.js';
import { logKeysOf } from './log-keys.js';

/**
 * Builds the witness service from the environment: its cosigning key from @bulwark/keys (each
 * cosignature audited to a JSON-lines file in the data directory, not to the log it witnesses),
 * the logs it trusts, and where it keeps what it cosigned (a directory, or PostgreSQL).
 */
export async function openWitnessService(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Omit<WitnessServiceOptions, 'witness' | 'storeProbe'>> = {},
): Promise<Service> {
  const config = witnessConfigFromEnv(env);
  await mkdir(config.dataDir, { recursive: true });
  const audit = new JsonlFileAuditSink(join(config.dataDir, 'cosignature-audit.jsonl'));
  let provider: KeyProvider | undefined;
  let driver: SqlDriver | undefined;
  try {
    provider = await openKeyProvider(keyProviderConfigFromEnv(env), audit);
    const signer = await openOrCreateKey(provider, config.signingKey, {
      create: env.NODE_ENV !== 'production',
    });
    const logKeys = logKeysOf(config.logKeys, config.logKeyNames, provider);
    let storeFor: (origin: string) => DirectoryWitness | DatabaseWitness;
    if (config.databaseUrl) {
      const opened = await openDriver(config.databaseUrl, { maxConnections: 4 });
      driver = opened;
      storeFor = (origin) => new DatabaseWitness(opened, { name: config.name, origin });
    } else {
      const logs = join(config.dataDir, 'logs');
      storeFor = (origin) => new DirectoryWitness(join(logs, directoryNameOf(origin)));
    }
    const witness = new CosigningWitness({ name: config.name, signer, logKeys, storeFor });
    const openedDriver = driver;
    const service = buildWitnessService({
      witness,
      storeProbe: openedDriver
        ? postgresProbe(openedDriver, { name: 'witness-store-postgres' })
        : dependencyProbe({ name: 'witness-store-directory' }, () =>
            access(config.dataDir, constants.W_OK),
          ),
      env,
      ...overrides,
    });
    const openedProvider = provider;
    service.resources.add('audit-file', () => audit.close());
    service.resources.add('key-provider', () => openedProvider.close());
    if (openedDriver) service.resources.add('witness-database', () => openedDriver.close());
    return service;
  } catch (error) {
    await provider?.close().catch(() => undefined);
    await driver?.close().catch(() => undefined);
    await audit.close().catch(() => undefined);
    throw error;
  }
}

/** One directory per log: the origin percent-encoded, so "/" and a leading "." stay inside. */
export function directoryNameOf(origin: string): string {
  return encodeURIComponent(origin).replace(/^\./, '%2E');
}
