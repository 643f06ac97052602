import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { loadKeyring, type Verifier } from '@bulwark/keys';
import {
  AnchorError,
  anchorBundle,
  type CheckRegistry,
  createSharedServices,
  type EvidenceBundle,
  findBundles,
  type LedgerAnchor,
  type LoadedPlan,
  PlanError,
  PlanSelectionError,
  readBundle,
  renderBundleConsole,
  renderBundleHtml,
  renderBundleJunit,
  runPlan,
  writeBundle,
} from '@bulwark/verify';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { SetExitCode } from './commands/index.js';
import { EXIT, UsageError } from './exit-codes.js';
import { createTerminal } from './output/terminal.js';
import { DEFAULT_ATTESTATIONS_DIR, DEFAULT_EVIDENCE_DIR } from './plan-paths.js';
import { openSigningKey } from './trust/signing-key.js';
import { CLI_VERSION } from './version.js';

/**
 * What `bulwark verify` and `bulwark drill` share: run a plan's criteria against an environment,
 * write the signed evidence bundle with its HTML and JUnit reports (and a ledger anchor when
 * asked), print the console report or JSON, and set the exit code (0 every required criterion
 * passed or is waived, 1 one did not, 130 interrupted). The two commands differ only in which
 * criteria they run.
 */
export interface RecordFlags {
  evidenceDir: string;
  attestations: string;
  key: string;
  keyring?: string;
  ledger?: string;
  timeoutMs: number;
  format: 'table' | 'json';
}

/** The options behind RecordFlags, the same on both commands. */
export function addRecordOptions(command: Command): Command {
  return command
    .option(
      '--evidence-dir <dir>',
      'where bundles are written, one folder per run',
      DEFAULT_EVIDENCE_DIR,
    )
    .option(
      '--attestations <dir>',
      'where `bulwark plan attest` keeps attestations',
      DEFAULT_ATTESTATIONS_DIR,
    )
    .option(
      '--key <name>',
      'signing key for the bundle (created outside production when missing)',
      'evidence',
    )
    .option(
      '--keyring <file>',
      "public keys trusted for attestations (default: the key provider's)",
    )
    .option(
      '--ledger <url>',
      "append the bundle's digest to this ledger service (e.g. http://127.0.0.1:8081)",
    )
    .addOption(
      new Option('--timeout-ms <ms>', 'per-request deadline for live checks')
        .argParser(positiveInteger)
        .default(5000),
    );
}

export interface RecordRunOptions {
  readonly loaded: LoadedPlan;
  readonly environment: string;
  readonly registry: CheckRegistry;
  /** Only these criteria; every criterion when omitted. */
  readonly only?: readonly string[];
  readonly flags: RecordFlags;
  /** The progress line's first word: `verifying`, `drill load`. */
  readonly label: string;
  readonly setExitCode: SetExitCode;
}

export async function runAndRecord(options: RecordRunOptions): Promise<void> {
  const { loaded, environment, registry, flags, setExitCode } = options;
  const terminal = createTerminal();
  // The record of each signature stays beside what was signed.
  const key = await openSigningKey(flags.key, join(flags.evidenceDir, 'signatures.jsonl'));
  const keyring: Verifier = flags.keyring
    ? await usage(() => loadKeyring(flags.keyring as string))
    : key.keyring;
  const shared = createSharedServices({
    timeoutMs: flags.timeoutMs,
    attestationsDir: flags.attestations,
    keyring,
  });
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  process.once('SIGINT', onSigint);
  try {
    const previous = await previousBundle(flags.evidenceDir, environment);
    const run = await usage(() =>
      runPlan({
        loaded,
        environment,
        registry,
        shared,
        timeoutMs: flags.timeoutMs,
        toolVersion: CLI_VERSION,
        ...(options.only ? { only: options.only } : {}),
        signal: interrupt.signal,
        progress: (p) =>
          terminal.progress(
            `${options.label} [${p.index}/${p.total}] ${p.criterion}: ${p.message}`,
          ),
      }),
    );
    terminal.progressDone();
    const written = await writeBundle(run, { root: flags.evidenceDir, signer: key.signer });
    let anchor: LedgerAnchor | undefined;
    if (flags.ledger) anchor = await usage(() => anchorBundle(written.dir, flags.ledger as string));
    const html = join(written.dir, 'report.html');
    const junit = join(written.dir, 'report.junit.xml');
    await writeFile(html, renderBundleHtml(run.bundle, previous ? { previous } : {}));
    await writeFile(junit, renderBundleJunit(run.bundle));
    const shown = relative(process.cwd(), written.dir) || '.';
    if (flags.format === 'json') {
      terminal.out(
        JSON.stringify(
          {
            ok: run.bundle.summary.ok,
            bundle: shown,
            sha256: written.sha256,
            signedBy: written.envelope.keyId,
            anchor: anchor ?? null,
            reports: {
              html: relative(process.cwd(), html),
              junit: relative(process.cwd(), junit),
            },
            summary: run.bundle.summary,
            criteria: run.bundle.criteria,
          },
          null,
          2,
        ),
      );
    } else {
      process.stdout.write(
        renderBundleConsole(run.bundle, {
          color: terminal.color.isColorSupported,
          ...(previous ? { previous } : {}),
        }),
      );
      terminal.out(
        `evidence: ${shown} (signed by ${written.envelope.keyId}, sha256 ${written.sha256.slice(0, 16)}…)`,
      );
      if (anchor) terminal.out(`ledger:   entry ${anchor.seq} at ${anchor.ledgerUrl}`);
      terminal.out(`report:   ${relative(process.cwd(), html)}`);
    }
    if (interrupt.signal.aborted) {
      terminal.err('bulwark: interrupted; the checks not run are recorded as skipped');
      setExitCode(130);
    } else {
      setExitCode(run.bundle.summary.ok ? EXIT.ok : EXIT.checksFailed);
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
    await shared.close();
    await key.close();
  }
}

/** The environment to run: the one named, or the plan's only one. */
export function chooseEnvironment(loaded: LoadedPlan, named: string | undefined): string {
  const known = Object.keys(loaded.plan.environments);
  if (named !== undefined) {
    if (!known.includes(named)) {
      throw new UsageError(
        `unknown environment ${JSON.stringify(named)}; ${loaded.path} has ${known.length > 0 ? known.join(', ') : 'none'}`,
      );
    }
    return named;
  }
  if (known.length === 1) return known[0] as string;
  throw new UsageError(
    `the plan has ${known.length > 0 ? `environments ${known.join(', ')}` : 'no environment'}: name one with --env`,
  );
}

/** The newest earlier bundle of this environment, for trends; an unreadable one is no trend. */
async function previousBundle(
  root: string,
  environment: string,
): Promise<EvidenceBundle | undefined> {
  const [newest] = await findBundles(root, environment).catch(() => [] as string[]);
  if (!newest) return undefined;
  return (await readBundle(newest).catch(() => undefined))?.bundle;
}

/** Runs `work`, turning the errors that mean bad input into a one-line usage error (exit 2). */
export async function usage<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (
      error instanceof PlanError ||
      error instanceof PlanSelectionError ||
      error instanceof AnchorError
    ) {
      throw new UsageError(error.message);
    }
    if (
      error instanceof Error &&
      'code' in error &&
      typeof error.code === 'string' &&
      error.code.startsWith('E')
    ) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || number < 1 || number > 600_000) {
    throw new InvalidArgumentError('expected a whole number from 1 to 600000.');
  }
  return number;
}
