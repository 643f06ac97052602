import { isAbsolute, relative } from 'node:path';
import { LedgerError, type NoteKey, parseVerifierKey } from '@bulwark/ledger';
import {
  BundleError,
  type BundleVerification,
  LedgerQueryError,
  verifyBundle,
} from '@bulwark/verify';
import type { Command } from 'commander';
import { EXIT, UsageError } from '../exit-codes.js';
import { formatOption } from '../main.js';
import { createTerminal, type Terminal } from '../output/terminal.js';
import { resolveKeyring } from '../trust/keyring.js';
import type { SetExitCode } from './index.js';

interface VerifyEvidenceFlags {
  keyring?: string;
  ledger?: string;
  ledgerKey?: string;
  format: 'table' | 'json';
}

/** `bulwark evidence verify BUNDLE`: signature, artifact digests and, given a ledger, inclusion. */
export function registerEvidence(program: Command, setExitCode: SetExitCode): void {
  const evidence = program
    .command('evidence')
    .description('check evidence bundles written by bulwark verify');

  evidence
    .command('verify')
    .description(
      "check a bundle's signature and artifact digests offline and, with --ledger, prove its digest is in the ledger",
    )
    .argument('<bundle>', 'the bundle directory (.bulwark/evidence/<env>/<time>-<id>)')
    .option(
      '--keyring <file>',
      "trusted public keys (bulwark keys export-public); default: the key provider's public keys",
    )
    .option('--ledger <url>', 'the ledger service the bundle was anchored in (anchor.json)')
    .option(
      '--ledger-key <vkey>',
      "the ledger's checkpoint verifier key (C2SP <origin>+<hash>+<key>, from GET /v1/ledger/checkpoints or the operator); without it the checkpoint signature is not checked",
    )
    .addOption(formatOption())
    .addHelpText(
      'after',
      '\nExamples:\n  bulwark evidence verify .bulwark/evidence/dev/20260601T120000.000Z-1a2b3c4d --keyring keys.json\n' +
        '  bulwark evidence verify BUNDLE --ledger http://127.0.0.1:8081 --ledger-key "$LEDGER_VKEY"\n' +
        '\nExit codes: 0 valid, 1 invalid (altered, bad signature, unknown key, not included in the ledger), ' +
        '2 a corrupt bundle (a file missing or unparseable), a ledger that cannot be reached, or bad usage.',
    )
    .action(async (dir: string, flags: VerifyEvidenceFlags) => {
      if (flags.ledgerKey && !flags.ledger) {
        throw new UsageError('--ledger-key is the key of a --ledger; no --ledger was given');
      }
      const verifierKey = flags.ledgerKey ? parseLedgerKey(flags.ledgerKey) : undefined;
      const { keyring, source } = await resolveKeyring(flags);
      const terminal = createTerminal();
      if (flags.ledger)
        terminal.progress(`asking ${flags.ledger} for the bundle's inclusion proof`);
      let result: BundleVerification;
      try {
        result = await verifyBundle(dir, {
          keyring,
          ...(flags.ledger
            ? { ledger: { url: flags.ledger, ...(verifierKey ? { verifierKey } : {}) } }
            : {}),
        });
      } catch (error) {
        if (error instanceof BundleError || error instanceof LedgerQueryError) {
          throw new UsageError(error.message);
        }
        throw error;
      } finally {
        terminal.progressDone();
      }
      if (flags.format === 'json')
        terminal.out(JSON.stringify({ ...result, trust: source }, null, 2));
      else printVerification(result, source, terminal);
      setExitCode(result.ok ? EXIT.ok : EXIT.checksFailed);
    });
}

function parseLedgerKey(text: string): NoteKey {
  try {
    return parseVerifierKey(text);
  } catch (error) {
    if (error instanceof LedgerError) throw new UsageError(`--ledger-key: ${error.message}`);
    throw error;
  }
}

function printVerification(result: BundleVerification, source: string, terminal: Terminal): void {
  const { color } = terminal;
  const shown = shownPath(result.dir);
  const about = `bundle ${result.bundle.id} (plan ${result.bundle.plan}, ${result.bundle.environment}, ${result.bundle.finishedAt})`;
  terminal.out(`${result.ok ? color.green('VALID') : color.red('INVALID')}  ${about}`);
  terminal.out(
    `  signature  ${result.signature.ok ? `signed by ${result.signature.keyId}` : color.red(result.signature.message)}`,
  );
  const listed = result.artifacts.filter(
    (a) => a.problem !== 'extra file, not listed in bundle.json',
  );
  const bad = result.artifacts.filter((a) => !a.ok);
  terminal.out(
    `  artifacts  ${listed.filter((a) => a.ok).length} of ${listed.length} match bundle.json${bad.length > 0 ? color.red(`; ${bad.length} problem${bad.length === 1 ? '' : 's'}`) : ''}`,
  );
  for (const a of bad) terminal.out(`    ${color.red(a.path)}: ${a.problem}`);
  if (result.anchor) {
    const { anchor } = result;
    const where = anchor.seq === undefined ? '' : `entry ${anchor.seq}`;
    const checkpoint = anchor.checkpoint
      ? `, checkpoint ${anchor.checkpoint.origin} size ${anchor.checkpoint.size} (signature ${anchor.checkpoint.signatureChecked ? 'checked' : color.yellow('NOT checked')})`
      : '';
    terminal.out(
      `  ledger     ${anchor.ok ? `included: ${where}${checkpoint}` : color.red(`${where ? `${where}: ` : ''}${anchor.problem}`)}`,
    );
  }
  for (const warning of result.warnings) terminal.out(`  ${color.yellow('warning')}: ${warning}`);
  terminal.out(`  sha256     ${result.bundle.sha256}`);
  terminal.out(`  bundle     ${shown}`);
  terminal.out(`  trust      ${source}`);
}

/** Relative to the working directory when inside it, else as given. */
function shownPath(dir: string): string {
  const inside = relative(process.cwd(), dir);
  return inside === '' ? '.' : inside.startsWith('..') || isAbsolute(inside) ? dir : inside;
}
