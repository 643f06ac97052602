import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileOutbox, LedgerBatchClient, OutboxShipper, ToolGate } from '@bulwark/gate';
import {
  type KeyProvider,
  KeysError,
  keyProviderConfigFromEnv,
  loadKeyring,
  MemoryAuditSink,
  openKeyProvider,
  openOrCreateKey,
  PublicKeyring,
} from '@bulwark/keys';
import { ConfigError, type Service } from '@bulwark/kit';
import { buildToolGateService, type ToolGateServiceOptions } from './app.js';
import { toolGateConfigFromEnv } from './config.js';

/**
 * Builds the tool gate from the environment: the trusted policy and operator keys (from the
 * key provider by name, or from keyring files), the persisted state, the durable decision
 * outbox, and the shipper that carries the outbox to the ledger service.
 */
export async function openToolGateService(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Omit<ToolGateServiceOptions, 'gate' | 'outbox' | 'shipper'>> = {},
): Promise<Service> {
  const config = toolGateConfigFromEnv(env);
  const production = env.NODE_ENV === 'production';
  let initialBundle: Uint8Array;
  try {
    initialBundle = await readFile(config.policyFile);
  } catch (error) {
    throw new ConfigError(
      `BULWARK_GATE_POLICY: cannot read ${config.policyFile}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  const { policyKeys, operators } = await trustedKeys(config, env, production);
  const outbox = await FileOutbox.open({
    dir: join(config.stateDir, 'outbox'),
    maxRecords: config.outboxMaxRecords,
  });
  let gate: ToolGate | undefined;
  try {
    gate = await ToolGate.open({
      gate: config.gate,
      stateDir: config.stateDir,
      initialBundle,
      policyKeys,
      requireSignedBundles: config.requireSignedBundles,
      operators,
      quorum: config.quorum,
      recorder: outbox,
      actor: config.gate,
    });
    const ledgerClient = config.ledgerUrl
      ? new LedgerBatchClient({ url: config.ledgerUrl })
      : undefined;
    const shipper = ledgerClient
      ? new OutboxShipper({ outbox, client: ledgerClient, stream: config.ledgerStream })
      : undefined;
    return buildToolGateService({
      gate,
      outbox,
      outboxMaxRecords: config.outboxMaxRecords,
      shipper,
      ledgerClient,
      env,
      ...overrides,
    });
  } catch (error) {
    await gate?.close().catch(() => undefined);
    await outbox.close().catch(() => undefined);
    throw error;
  }
}

/**
 * The public keys the gate trusts. Named keys come from the key provider; outside production a
 * missing one is created in the development keystore, so `bulwark gate approve --key
 * gate-operator` works on a first `npm start`. The gate only verifies: nothing here signs, so
 * the provider's audit sink stays empty.
 */
async function trustedKeys(
  config: ReturnType<typeof toolGateConfigFromEnv>,
  env: NodeJS.ProcessEnv,
  production: boolean,
): Promise<{ policyKeys: PublicKeyring; operators: PublicKeyring }> {
  const fromFiles = async (path: string | undefined) =>
    path === undefined ? undefined : loadKeyring(path);
  let policyKeys = await fromFiles(config.policyKeyring).catch(keyringError('POLICY'));
  let operators = await fromFiles(config.operatorKeyring).catch(keyringError('OPERATOR'));
  if (policyKeys && operators) return { policyKeys, operators };
  let provider: KeyProvider | undefined;
  try {
    provider = await openKeyProvider(keyProviderConfigFromEnv(env), new MemoryAuditSink());
    const named = async (names: readonly string[]) => {
      const keyring = new PublicKeyring();
      for (const name of names) {
        await openOrCreateKey(provider as KeyProvider, name, { create: !production });
        for (const version of await (provider as KeyProvider).versions(name)) keyring.add(version);
      }
      return keyring;
    };
    policyKeys ??= await named(config.policyKeys);
    operators ??= await named(config.operatorKeys);
    return { policyKeys, operators };
  } catch (error) {
    if (error instanceof KeysError) throw new ConfigError(`tool gate keys: ${error.message}`);
    throw error;
  } finally {
    await provider?.close().catch(() => undefined);
  }
}

function keyringError(kind: 'POLICY' | 'OPERATOR') {
  return (error: unknown): never => {
    throw new ConfigError(`BULWARK_GATE_${kind}_KEYRING: ${(error as Error).message}`);
  };
}
