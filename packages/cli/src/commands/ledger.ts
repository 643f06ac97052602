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
  HttpWitness,
  inclusionProofJson,
  isPostgresUrl,
  Ledger,
  LedgerAuditSink,
  LedgerError,
  type NoteKey,
  openDriver,
  parseCosignerKey,
  parseTrustAnchor,
  type SqlDriver,
  signedOriginOf,
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

/** The log's origin and trusted keys, from the verifier's own flags and files only. */
async function trustOf(flags: {
  pubkey?: string;
  origin?: string;
}): Promise<{ origin?: string; trustedKeys?: NoteKey[] }> {
  if (!flags.pubkey) return flags.origin ? { origin: flags.origin } : {};
  const text = await readFile(flags.pubkey, 'utf8').catch((error: Error) => {
    throw new UsageError(`cannot read --pubkey ${flags.pubkey}: ${error.message}`);
  });
  try {
    const anchor = parseTrustAnchor(text, flags.origin);
    return { origin: anchor.origin, trustedKeys: anchor.keys };
  } catch (error) {
    if (error instanceof LedgerError)
      throw new UsageError(`--pubkey ${flags.pubkey}: ${error.message}`);
    throw error;
  }
}

/** Cosigner keys (C2SP vkeys of type 0x04, one per line) of the HTTP witnesses. */
async function witnessKeysOf(file: string | undefined): Promise<NoteKey[] | undefined> {
  if (!file) return undefined;
  const text = await readFile(file, 'utf8').catch((error: Error) => {
    throw new UsageError(`cannot read --witness-key ${file}: ${error.message}`);
  });
  try {
    const keys = text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map(parseCosignerKey);
    if (keys.length === 0) throw new UsageError(`--witness-key ${file} holds no key`);
    return keys;
  } catch (error) {
    if (error instanceof LedgerError)
      throw new UsageError(`--witness-key ${file}: ${error.message}`);
    throw error;
  }
}

const isHttpUrl = (target: string): boolean => /^https?:\/\//i.test(target);

/**
 * Witnesses from --witness values: a postgres:// URL is a second database, an http(s):// URL a
 * witness service, anything else a directory. Returns them with a close function for the
 * database connections opened.
 */
async function openWitnesses(
  targets: readonly string[],
  origin: string,
  keys: readonly NoteKey[] | undefined,
  witnessKeys: readonly NoteKey[] | undefined,
): Promise<{ witnesses: Witness[]; close(): Promise<void> }> {
  const drivers: SqlDriver[] = [];
  const witnesses: Witness[] = [];
  const close = async () => {
    for (const d of drivers) await d.close().catch(() => undefined);
  };
  for (const target of targets) {
    if (isHttpUrl(target)) {
      try {
        witnesses.push(
          new HttpWitness({
            url: target,
            origin,
            name: describeTarget(target),
            ...(keys ? { logKeys: keys } : {}),
            ...(witnessKeys ? { witnessKeys } : {}),
          }),
        );
      } catch (error) {
        await close();
        throw new UsageError(`--witness ${describeTarget(target)}: ${(error as Error).message}`);
      }
    } else if (isPostgresUrl(target)) {
      let driver: SqlDriver;
      try {
        driver = await openDriver(target, { maxConnections: 1 });
        drivers.push(driver);
        await driver.query('SELECT 1');
      } catch (error) {
        await close();
        throw new UsageError(`cannot open the witness database: ${(error as Error).message}`);
      }
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
  return { witnesses, close };
}

/**
 * Checks --witness and --witness-key before anything is opened. A verifier's witness directory
 * must exist (an empty one would vouch for nothing); a signer's is created by its first note.
 */
function checkWitnessFlags(
  flags: { witness: string[]; witnessKey?: string },
  directoriesMustExist: boolean,
): void {
  for (const target of flags.witness) {
    if (
      directoriesMustExist &&
      !isPostgresUrl(target) &&
      !isHttpUrl(target) &&
      !existsSync(target)
    ) {
      throw new UsageError(`witness directory ${target} does not exist`);
    }
  }
  if (flags.witnessKey && !flags.witness.some(isHttpUrl)) {
    throw new UsageError(
      '--witness-key is the cosigner key of an http(s):// --witness; none was given',
    );
  }
}

const witnessOption = (description: string) =>
  new Option('--witness <dir|url>', description).argParser((v: string, all: string[] = []) => [
    ...all,
    v,
  ]);

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
      'trusted checkpoint key(s): C2SP verifier keys (they name the origin), an Ed25519 PEM, or a bulwark-keyring/v1 JSON',
    )
    .addOption(
      witnessOption(
        'witness holding signed checkpoints: a directory, a postgres:// URL or an http(s):// witness service (repeatable)',
      ).default([], 'none'),
    )
    .option(
      '--witness-key <file>',
      'cosigner key(s) of the http(s):// witnesses (C2SP vkeys, one per line): their answers must carry a valid cosignature',
    )
    .addOption(
      new Option(
        '--origin <origin>',
        "the log's checkpoint origin; trusted, so never read from the database (default: the one --pubkey's keys name)",
      ).env('BULWARK_LEDGER_ORIGIN'),
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
      '\nExit codes: 0 the ledger is valid, 1 tampering found (the first bad seq is printed; damaged ledger data ' +
        'such as a NULL column or a missing head row counts), 2 usage errors, or a database or witness that ' +
        'could not be read at all.\nWhat VALID covers depends on the trust material given: the report says it.',
    )
    .action(
      async (
        flags: DbFlags & {
          pubkey?: string;
          witness: string[];
          witnessKey?: string;
          origin?: string;
          mode: 'full' | 'incremental' | 'range';
          from?: number;
          to?: number;
        },
      ) => {
        if (flags.from !== undefined && flags.to !== undefined && flags.from > flags.to) {
          throw new UsageError(`--from ${flags.from} is after --to ${flags.to}`);
        }
        checkWitnessFlags(flags, true);
        const { origin, trustedKeys } = await trustOf(flags);
        if (flags.witness.length > 0 && origin === undefined) {
          throw new UsageError(
            "--witness needs the log's origin to look up what it witnessed, and the database under test cannot " +
              'be trusted to say: pass --origin <origin> (the service’s BULWARK_LEDGER_ORIGIN), or a --pubkey of ' +
              'C2SP verifier keys, which name it',
          );
        }
        const witnessKeys = await witnessKeysOf(flags.witnessKey);
        const terminal = createTerminal();
        const report = await withDriver(flags.db, async (driver) => {
          // `origin` is set whenever a witness is given (checked above).
          const { witnesses, close } = await openWitnesses(
            flags.witness,
            origin ?? '',
            trustedKeys,
            witnessKeys,
          );
          try {
            return await verifyLedger(driver, {
              mode: flags.mode,
              ...(flags.from !== undefined ? { from: flags.from } : {}),
              ...(flags.to !== undefined ? { to: flags.to } : {}),
              ...(origin !== undefined ? { origin } : {}),
              ...(trustedKeys ? { trustedKeys } : {}),
              witnesses,
              onProgress: (checked) => terminal.progress(`verified ${checked} entries`),
            });
          } finally {
            await close();
          }
        });
        terminal.progressDone();
        const hints = hintsFor(report);
        if (flags.format === 'json') terminal.out(JSON.stringify({ ...report, hints }, null, 2));
        else printReport(report, hints, terminal, flags);
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
    .addOption(
      new Option(
        '--origin <origin>',
        'checkpoint origin (default: the newest stored checkpoint this key signed, else bulwark.local/ledger)',
      ).env('BULWARK_LEDGER_ORIGIN'),
    )
    .addOption(
      witnessOption(
        'witness: a directory, a postgres:// URL or an http(s):// witness service (repeatable)',
      ).default([], 'none'),
    )
    .option(
      '--witness-key <file>',
      'cosigner key(s) of the http(s):// witnesses (C2SP vkeys, one per line): their cosignatures are checked',
    )
    .addOption(formatOption())
    .action(
      async (
        flags: DbFlags & { key: string; origin?: string; witness: string[]; witnessKey?: string },
      ) => {
        checkWitnessFlags(flags, false);
        const witnessKeys = await witnessKeysOf(flags.witnessKey);
        const signed = await withDriver(flags.db, async (driver) => {
          let log: Ledger | undefined;
          let provider: KeyProvider | undefined;
          try {
            provider = await openKeyProvider(
              keyProviderConfigFromEnv(process.env),
              new LedgerAuditSink(() => log as Ledger),
            );
            const signer = await provider.open(flags.key);
            const versions = await provider.versions(flags.key);
            // The flag, else the newest stored checkpoint this key really signed (an unsigned
            // note in the database must not choose the name the key signs under), else the default.
            const origin =
              flags.origin ??
              (await signedOriginOf(
                driver,
                versions.map((v) => v.publicKey),
              )) ??
              DEFAULT_ORIGIN;
            const trustedKeys = versions.map((v) => ({ name: origin, publicKey: v.publicKey }));
            const { witnesses, close } = await openWitnesses(
              flags.witness,
              origin,
              trustedKeys,
              witnessKeys,
            );
            try {
              log = await Ledger.open(driver, { origin, signer, trustedKeys, witnesses });
              return await log.checkpoint();
            } finally {
              await close();
            }
          } catch (error) {
            if (error instanceof KeysError)
              throw new UsageError(`${error.message} [${error.code}]`);
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
      },
    );
}

/** Where the trust material the verify lacked comes from: the commands that produce it. */
function hintsFor(report: VerifyReport): string[] {
  const hints: string[] = [];
  if (!report.trust.signaturesChecked) {
    hints.push(
      'signatures were NOT checked (no --pubkey). Export the checkpoint key where it lives: ' +
        '`bulwark keys export-public ledger-checkpoint --out keyring.json` (with --dir or BULWARK_KEYS_DIR for a ' +
        'file keystore, --provider pkcs11 --module <lib> --token-label <label> for an HSM), then pass ' +
        '`--pubkey keyring.json --origin <origin>`; or save the verifierKeys of `GET /v1/ledger/checkpoints` ' +
        '(C2SP keys, which name the origin) and pass that file as --pubkey.',
    );
  }
  if (report.trust.level !== 'witnessed') {
    hints.push(
      'no witness was consulted: pass --witness <dir|postgres://…|https://…> (the service’s ' +
        'BULWARK_LEDGER_WITNESS_DIR, BULWARK_LEDGER_WITNESS_DATABASE_URL or witness service) to catch ' +
        'consistent rewrites, deleted checkpoints and truncated tails.',
    );
  }
  return hints;
}

function printReport(
  report: VerifyReport,
  hints: readonly string[],
  terminal: ReturnType<typeof createTerminal>,
  flags: { witness: string[] },
): void {
  const { color } = terminal;
  const { trust, unwitnessedTail: tail } = report;
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
    `checkpoints compared: ${report.checkpoints.compared}; signatures ${trust.signaturesChecked ? 'checked' : color.yellow('NOT checked (no --pubkey)')}; ` +
      `witness ${flags.witness.length > 0 ? flags.witness.map(describeTarget).join(', ') : color.yellow('none')}`,
  );
  const level =
    trust.level === 'witnessed'
      ? color.green('witnessed')
      : trust.level === 'signed'
        ? color.yellow('signed checkpoints only, no witness')
        : color.yellow('chain only: nothing outside the database was checked');
  terminal.out(`trust: ${level}${trust.origin ? `, origin ${trust.origin}` : ''}`);
  for (const line of trust.covered) terminal.out(`  covered: ${line}`);
  for (const line of trust.notCovered) terminal.out(`  ${color.yellow('NOT covered')}: ${line}`);
  const anchor =
    tail.after === 'nothing'
      ? 'no trusted checkpoint'
      : `the ${tail.after} of size ${tail.afterSize}`;
  const count = tail.entries === 1 ? '1 entry' : `${tail.entries} entries`;
  terminal.out(
    tail.entries > 0
      ? `unwitnessed tail: ${count} after ${anchor}${tail.since ? `, since ${tail.since}` : ''}`
      : tail.after === 'nothing'
        ? 'unwitnessed tail: none (the ledger is empty)'
        : `unwitnessed tail: none (${anchor} covers the head)`,
  );
  for (const hint of hints) terminal.out(`hint: ${hint}`);
}
