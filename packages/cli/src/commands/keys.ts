import {
  DEFAULT_FILE_KEYSTORE,
  type KeyProvider,
  type KeyProviderConfig,
  KeysError,
  type KeyVersionInfo,
  keyringOf,
  MemoryAuditSink,
  openKeyProvider,
  PublicKeyring,
  saveKeyring,
} from '@bulwark/keys';
import { type Command, Option } from 'commander';
import { EXIT, UsageError } from '../exit-codes.js';
import { formatOption } from '../main.js';
import { renderTable } from '../output/table.js';
import { createTerminal } from '../output/terminal.js';
import type { SetExitCode } from './index.js';

interface ProviderFlags {
  provider: 'file' | 'pkcs11';
  dir?: string;
  module?: string;
  tokenLabel?: string;
  format: 'table' | 'json';
}

interface KeyringFlags extends ProviderFlags {
  keyring?: string;
}

const PIN_ENV = 'BULWARK_PKCS11_PIN';

/**
 * `bulwark keys`: create, rotate, list and export Ed25519 signing keys. Private keys never leave
 * the provider; the only thing written out is the public keyring. The PKCS#11 PIN comes from the
 * environment, never argv, where any user could read it in the process list.
 */
export function registerKeys(program: Command, setExitCode: SetExitCode): void {
  const keys = program
    .command('keys')
    .description('manage Ed25519 signing keys: file keystore (development) or PKCS#11 HSM')
    .addHelpText(
      'after',
      `\nThe PKCS#11 user PIN is read from ${PIN_ENV}. Exit codes: 0 done, 2 bad usage or a key/token error.`,
    );

  withProviderOptions(keys.command('init'))
    .description('create a key: generates <name>/v1 inside the provider')
    .argument('<name>', 'key name, e.g. checkpoint')
    .option('--keyring <file>', 'also write every public key version to this keyring JSON file')
    .action((name: string, flags: KeyringFlags) =>
      run(flags, setExitCode, async (provider) => {
        const created = await provider.create(name);
        await writeKeyring(provider, flags.keyring);
        printVersions([created], flags, `created ${created.keyId}`);
      }),
    );

  withProviderOptions(keys.command('rotate'))
    .description('add the next version <name>/v<N+1>; older versions stay for verification')
    .argument('<name>', 'key name')
    .option('--keyring <file>', 'also write every public key version to this keyring JSON file')
    .action((name: string, flags: KeyringFlags) =>
      run(flags, setExitCode, async (provider) => {
        const created = await provider.rotate(name);
        await writeKeyring(provider, flags.keyring);
        printVersions([created], flags, `rotated ${name}: signing now uses ${created.keyId}`);
      }),
    );

  withProviderOptions(keys.command('list'))
    .description('list every version of every key (or of one key)')
    .argument('[name]', 'only this key')
    .action((name: string | undefined, flags: ProviderFlags) =>
      run(flags, setExitCode, async (provider) => {
        const versions = name ? await provider.versions(name) : await provider.list();
        printVersions(versions, flags);
      }),
    );

  withProviderOptions(keys.command('export-public'))
    .description('write the public keyring (JSON) for offline verification')
    .argument('[name]', 'only this key')
    .option('--out <file>', 'write to this file instead of stdout')
    .action((name: string | undefined, flags: ProviderFlags & { out?: string }) =>
      run(flags, setExitCode, async (provider) => {
        const versions = name ? await provider.versions(name) : await provider.list();
        const keyring = new PublicKeyring(versions);
        if (flags.out) {
          await saveKeyring(flags.out, keyring);
          createTerminal().err(`wrote ${versions.length} public key(s) to ${flags.out}`);
        } else {
          createTerminal().out(JSON.stringify(keyring.toJSON(), null, 2));
        }
      }),
    );
}

function withProviderOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--provider <provider>', 'where the keys live')
        .choices(['file', 'pkcs11'])
        .env('BULWARK_KEYS_PROVIDER')
        .default('file'),
    )
    .addOption(
      new Option('--dir <dir>', `file keystore directory (default ${DEFAULT_FILE_KEYSTORE})`).env(
        'BULWARK_KEYS_DIR',
      ),
    )
    .addOption(
      new Option('--module <path>', 'PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so').env(
        'BULWARK_PKCS11_MODULE',
      ),
    )
    .addOption(
      new Option('--token-label <label>', 'PKCS#11 token label').env('BULWARK_PKCS11_TOKEN_LABEL'),
    )
    .addOption(formatOption());
}

function configFrom(flags: ProviderFlags): KeyProviderConfig {
  if (flags.provider === 'file') {
    return { provider: 'file', dir: flags.dir ?? DEFAULT_FILE_KEYSTORE };
  }
  if (!flags.module)
    throw new UsageError('--provider pkcs11 needs --module <path> (or BULWARK_PKCS11_MODULE)');
  if (!flags.tokenLabel) {
    throw new UsageError(
      '--provider pkcs11 needs --token-label <label> (or BULWARK_PKCS11_TOKEN_LABEL)',
    );
  }
  const pin = process.env[PIN_ENV];
  if (!pin)
    throw new UsageError(`--provider pkcs11 reads the user PIN from ${PIN_ENV}, which is not set`);
  return { provider: 'pkcs11', module: flags.module, tokenLabel: flags.tokenLabel, pin };
}

/** Opens the provider, runs one action, always closes; key errors become one line and exit 2. */
async function run(
  flags: ProviderFlags,
  setExitCode: SetExitCode,
  action: (provider: KeyProvider) => Promise<void>,
): Promise<void> {
  let provider: KeyProvider | undefined;
  try {
    // These commands never sign, so there is nothing for an audit sink to record.
    provider = await openKeyProvider(configFrom(flags), new MemoryAuditSink());
    await action(provider);
    setExitCode(EXIT.ok);
  } catch (error) {
    if (error instanceof KeysError) throw new UsageError(`${error.message} [${error.code}]`);
    throw error;
  } finally {
    await provider?.close();
  }
}

async function writeKeyring(provider: KeyProvider, path: string | undefined) {
  if (path) await saveKeyring(path, await keyringOf(provider));
}

function printVersions(versions: KeyVersionInfo[], flags: ProviderFlags, headline?: string) {
  const terminal = createTerminal();
  const rows = versions.map((v) => ({
    keyId: v.keyId,
    algorithm: v.algorithm,
    publicKey: Buffer.from(v.publicKey).toString('base64'),
    createdAt: v.createdAt ?? null,
    provider: flags.provider,
  }));
  if (flags.format === 'json') {
    terminal.out(JSON.stringify(headline ? rows[0] : rows, null, 2));
    return;
  }
  if (headline) terminal.out(terminal.color.green(headline));
  terminal.out(
    renderTable(
      ['KEY ID', 'ALGORITHM', 'CREATED', 'PUBLIC KEY (base64)'],
      rows.map((r) => [r.keyId, r.algorithm, r.createdAt ?? '-', r.publicKey]),
    ),
  );
}
