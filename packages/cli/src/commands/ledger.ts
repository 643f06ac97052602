import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type KeyProvider,
  KeysError,
  keyProviderConfigFromEnv,
  openKeyProvider,
} from '@bulwark/keys';
import {
  consistencyProofJson,
  DatabaseWitness,
  DirectoryWitness,
  inclusionProofJson,
  isPostgresUrl,
  Ledger,
  LedgerAuditSink,
  LedgerError,
  type NoteKey,
  openDriver,
  parseTrustedKeys,
  type SqlDriver,
  type VerifyReport,
  verifyLedger,
  type Witness,
} from '@bulwark/ledger';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { EXIT, UsageError } from '../exit-codes.js';
import { formatOption } from '../main.js';
import { createTerminal } from '../output/terminal.js';
import type { SetExitCode } from './index.js';

const DEFAULT_ORIGIN = 'bulwark.local/ledger';

interface DbFlags {
  db: string;
  format: 'table' | 'json';
}

const dbOption = () =>
  new Option('--db <url|dir>', 'PostgreSQL URL (postgres://...) or PGlite data directory')
    .env('DATABASE_URL')
    .makeOptionMandatory();

const positiveInt = (text: string): number => {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new InvalidArgumentError('expected a non-negative integer');
  return n;
};

/** The target without credentials, for messages. */
function describeTarget(target: string): string {
  if (!isPostgresUrl(target)) return target;
  try {
    const url = new URL(target);
    url.password = '';
    url.username = '';
    return url.toString();
  } catch {
    return target.replace(/\/\/[^@/]*@/, '//');
  }
}

/** Opens an existing ledger database; anything unreachable or not a ledger is a usage error (exit 2). */
async function openExisting(target: string, create = false): Promise<SqlDriver> {
  if (!create && !isPostgresUrl(target) && !existsSync(join(target, 'PG_VERSION'))) {
    throw new UsageError(`${target} is neither a postgres:// URL nor a PGlite data directory`);
  }
  let driver: SqlDriver | undefined;
  try {
    driver = await openDriver(target, { maxConnections: 2 });
    const [row] = await driver.query<{ table: string | null }>(
      "SELECT to_regclass('ledger_entries')::text AS table",
    );
    if (!row?.table && !create)
      throw new UsageError(`${describeTarget(target)} holds no ledger (no ledger_entries table)`);
    return driver;
  } catch (error) {
    await driver?.close().catch(() => undefined);
    if (error instanceof UsageError) throw error;
    throw new UsageError(
      `cannot open the ledger at ${describeTarget(target)}: ${(error as Error).message}`,
    );
  }
}

async function withDriver<T>(
  target: string,
  fn: (driver: SqlDriver) => Promise<T>,
  create = false,
): Promise<T> {
  const driver = await openExisting(target, create);
  try {
    return await fn(driver);
  } catch (error) {
    if (error instanceof LedgerError) throw new UsageError(error.message);
    throw error;
  } finally {
    await driver.close().catch(() => undefined);
  }
}

/** Opens the ledger at `target` for reading, without migrating it, for one command. */
function withExistingLedger<T>(target: string, fn: (ledger: Ledger) => Promise<T>): Promise<T> {
  return withDriver(target, async (driver) =>
    fn(await Ledger.open(driver, { origin: DEFAULT_ORIGIN, migrate: false })),
  );
}

/** The checkpoint origin: the flag, else the latest stored checkpoint's, else the default. */
async function originOf(driver: SqlDriver, flag: string | undefined): Promise<string> {
  if (flag) return flag;
  const ledger = await Ledger.open(driver, { origin: DEFAULT_ORIGIN, migrate: false });
  try {
    return (await ledger.latestCheckpoint())?.origin ?? DEFAULT_ORIGIN;
  } catch {
    // An unreadable latest note is for verify to report; the default origin lets it run.
    return DEFAULT_ORIGIN;
  }
}

/**
 * Witnesses from --witness values: a postgres:// URL is a second database, anything else a
 * directory. Returns them with a close function for the database connections opened.
 */
async function openWitnesses(
  targets: readonly string[],
  origin: string,
  keys: readonly NoteKey[] | undefined,
): Promise<{ witnesses: Witness[]; close(): Promise<void> }> {
  const drivers: SqlDriver[] = [];
  const witnesses: Witness[] = [];
  const close = async () => {
    for (const d of drivers) await d.close().catch(() => undefined);
  };
  try {
    for (const target of targets) {
      if (isPostgresUrl(target)) {
        const driver = await openDriver(target, { maxConnections: 1 });
        drivers.push(driver);
        await driver.query('SELECT 1');
        witnesses.push(
          new DatabaseWitness(driver, {
            name: describeTarget(target),
            origin,
            ...(keys ? { keys } : {}),
          }),
        );
      } else {
        witnesses.push(new DirectoryWitness(target, keys));
      }
    }
  } catch (error) {
    await close();
    throw new UsageError(`cannot open the witness database: ${(error as Error).message}`);
  }
  return { witnesses, close };
}

export function registerLedger(program: Command, setExitCode: SetExitCode): void {
  const ledger = program
    .command('ledger')
    .description(
      'Verify, append to, prove and checkpoint a Bulwark tamper-evident ledger (offline, straight from its database)',
    );

  ledger
    .command('verify')
    .description(
      'Recompute every hash of the chain and the Merkle tree, and compare the roots with signed checkpoints ' +
        'in the database and the witnesses',
    )
    .addOption(dbOption())
    .option(
      '--pubkey <file>',
      'trusted checkpoint key(s): C2SP verifier keys, an Ed25519 PEM, or a bulwark-keyring/v1 JSON',
    )
    .option(
      '--witness <dir>',
      'witness holding signed checkpoints: a directory or a postgres:// URL (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option(
      '--origin <origin>',
      'checkpoint origin the keys sign for (default: from the stored checkpoints)',
    )
    .addOption(
      new Option('--mode <mode>', 'what to verify')
        .choices(['full', 'incremental', 'range'])
        .default('full'),
    )
    .addOption(new Option('--from <seq>', 'first seq (range mode)').argParser(positiveInt))
    .addOption(new Option('--to <seq>', 'last seq (range mode)').argParser(positiveInt))
    .addOption(formatOption())
    .addHelpText(
      'after',
      '\nExit codes: 0 the ledger is valid, 1 tampering found (the first bad seq is printed), 2 usage or connection errors.',
    )
    .action(
      async (
        flags: DbFlags & {
          pubkey?: string;
          witness: string[];
          origin?: string;
          mode: 'full' | 'incremental' | 'range';
          from?: number;
          to?: number;
        },
      ) => {
        if (flags.from !== undefined && flags.to !== undefined && flags.from > flags.to) {
          throw new UsageError(`--from ${flags.from} is after --to ${flags.to}`);
        }
        const terminal = createTerminal();
        const report = await withDriver(flags.db, async (driver) => {
          const origin = await originOf(driver, flags.origin);
          let trustedKeys: NoteKey[] | undefined;
          if (flags.pubkey) {
            const text = await readFile(flags.pubkey, 'utf8').catch((error: Error) => {
              throw new UsageError(`cannot read --pubkey ${flags.pubkey}: ${error.message}`);
            });
            trustedKeys = parseTrustedKeys(text, origin);
          }
          for (const dir of flags.witness) {
            if (!isPostgresUrl(dir) && !existsSync(dir)) {
              throw new UsageError(`witness directory ${dir} does not exist`);
            }
          }
          const { witnesses, close } = await openWitnesses(flags.witness, origin, trustedKeys);
          try {
            return await verifyLedger(driver, {
              mode: flags.mode,
              ...(flags.from !== undefined ? { from: flags.from } : {}),
              ...(flags.to !== undefined ? { to: flags.to } : {}),
              ...(trustedKeys ? { trustedKeys } : {}),
              witnesses,
              onProgress: (checked) => terminal.progress(`verified ${checked} entries`),
            });
          } finally {
            await close();
          }
        });
        terminal.progressDone();
        if (flags.format === 'json') terminal.out(JSON.stringify(report, null, 2));
        else printReport(report, terminal, flags);
        setExitCode(report.valid ? EXIT.ok : EXIT.checksFailed);
      },
    );

  ledger
    .command('append')
    .description('Append one entry (durable when this command exits 0)')
    .addOption(dbOption())
    .requiredOption('--stream <name>', 'stream, e.g. core-api')
    .requiredOption('--kind <name>', 'entry kind, e.g. item.create')
    .requiredOption('--actor <name>', 'who did it, e.g. user:42')
    .requiredOption('--payload <json>', 'the payload as JSON')
    .addOption(formatOption())
    .action(
      async (flags: DbFlags & { stream: string; kind: string; actor: string; payload: string }) => {
        let payload: unknown;
        try {
          payload = JSON.parse(flags.payload);
        } catch {
          throw new UsageError('--payload is not valid JSON');
        }
        const receipt = await withDriver(
          flags.db,
          async (driver) => {
            const log = await Ledger.open(driver, { origin: DEFAULT_ORIGIN });
            return log.append({
              stream: flags.stream,
              kind: flags.kind,
              actor: flags.actor,
              payload,
            });
          },
          true,
        );
        const terminal = createTerminal();
        const out = { seq: receipt.seq, entryHash: Buffer.from(receipt.entryHash).toString('hex') };
        terminal.out(
          flags.format === 'json'
            ? JSON.stringify(out)
            : `appended seq ${out.seq} ${out.entryHash}`,
        );
        setExitCode(EXIT.ok);
      },
    );

  const proof = ledger
    .command('proof')
    .description('Print an RFC 6962 inclusion or consistency proof (hex)');
  proof
    .command('inclusion')
    .description('Prove entry <seq> is in the tree of size --tree-size (default: the head)')
    .addOption(dbOption())
    .requiredOption('--seq <seq>', 'the entry', positiveInt)
    .option('--tree-size <n>', 'tree size (default: the head)', positiveInt)
    .action(async (flags: DbFlags & { seq: number; treeSize?: number }) => {
      const result = await withExistingLedger(flags.db, async (log) =>
        inclusionProofJson(await log.inclusionProof(flags.seq, flags.treeSize)),
      );
      createTerminal().out(JSON.stringify(result, null, 2));
      setExitCode(EXIT.ok);
    });
  proof
    .command('consistency')
    .description('Prove the tree of size --to (default: the head) extends the tree of size --from')
    .addOption(dbOption())
    .requiredOption('--from <n>', 'the older tree size', positiveInt)
    .option('--to <n>', 'the newer tree size (default: the head)', positiveInt)
    .action(async (flags: DbFlags & { from: number; to?: number }) => {
      const result = await withExistingLedger(flags.db, async (log) =>
        consistencyProofJson(await log.consistencyProof(flags.from, flags.to)),
      );
      createTerminal().out(JSON.stringify(result, null, 2));
      setExitCode(EXIT.ok);
    });

  ledger
    .command('checkpoint')
    .description(
      'Sign a C2SP checkpoint of the head with a @bulwark/keys key (BULWARK_KEYS_PROVIDER, BULWARK_KEYS_DIR, ' +
        'BULWARK_PKCS11_*), store it, and hand it to the witnesses; the signature is audited into the ledger',
    )
    .addOption(dbOption())
    .option('--key <name>', 'key name in the provider', 'ledger-checkpoint')
    .option(
      '--origin <origin>',
      'checkpoint origin (default: the stored checkpoints’, else bulwark.local/ledger)',
    )
    .option(
      '--witness <dir>',
      'witness: a directory or a postgres:// URL (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .addOption(formatOption())
    .action(async (flags: DbFlags & { key: string; origin?: string; witness: string[] }) => {
      const signed = await withDriver(flags.db, async (driver) => {
        const origin = await originOf(driver, flags.origin);
        let log: Ledger | undefined;
        let provider: KeyProvider | undefined;
        try {
          provider = await openKeyProvider(
            keyProviderConfigFromEnv(process.env),
            new LedgerAuditSink(() => log as Ledger),
          );
          const signer = await provider.open(flags.key);
          const trustedKeys = (await provider.versions(flags.key)).map((v) => ({
            name: origin,
            publicKey: v.publicKey,
          }));
          const { witnesses, close } = await openWitnesses(flags.witness, origin, trustedKeys);
          try {
            log = await Ledger.open(driver, { origin, signer, trustedKeys, witnesses });
            return await log.checkpoint();
          } finally {
            await close();
          }
        } catch (error) {
          if (error instanceof KeysError) throw new UsageError(`${error.message} [${error.code}]`);
          throw error;
        } finally {
          await provider?.close().catch(() => undefined);
        }
      });
      const terminal = createTerminal();
      if (flags.format === 'json')
        terminal.out(
          JSON.stringify({ id: signed.id, size: signed.size, note: signed.note }, null, 2),
        );
      else terminal.out(signed.note.trimEnd());
      setExitCode(EXIT.ok);
    });
}

function printReport(
  report: VerifyReport,
  terminal: ReturnType<typeof createTerminal>,
  flags: { pubkey?: string; witness: string[] },
): void {
  const { color } = terminal;
  if (report.valid) {
    terminal.out(
      `${color.green('VALID')}  ${report.checked} entries verified (${report.mode}), head ${report.head}, root ${report.root}`,
    );
  } else {
    const at =
      report.firstBadSeq === null
        ? 'no single entry at fault'
        : `first bad seq ${report.firstBadSeq}`;
    terminal.out(`${color.red('TAMPERED')}  ${at}: ${report.reason}`);
    for (const problem of report.problems.slice(1)) terminal.out(`  also: ${problem.reason}`);
  }
  terminal.out(
    `checkpoints compared: ${report.checkpoints.compared}; signatures ${flags.pubkey ? 'checked' : color.yellow('NOT checked (no --pubkey)')}; ` +
      `witness ${flags.witness.length > 0 ? flags.witness.map(describeTarget).join(', ') : color.yellow('none (tail truncation and rewrites need --witness)')}`,
  );
}
