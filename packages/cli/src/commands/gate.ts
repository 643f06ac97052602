import { isAbsolute, relative } from 'node:path';
import {
  BundleError,
  DEFAULT_EVIDENCE_ROOT,
  decideGate,
  defaultRegistry,
  formatDuration,
  type GateDecision,
  loadPlan,
  PlanError,
} from '@bulwark/verify';
import { type Command, Option } from 'commander';
import { EXIT, UsageError } from '../exit-codes.js';
import { formatOption } from '../main.js';
import { createTerminal, type Terminal } from '../output/terminal.js';
import { DEFAULT_PLAN_FILE } from '../plan-paths.js';
import { resolveKeyring } from '../trust/keyring.js';
import { registerToolGateCommands } from './gate-tool.js';
import type { SetExitCode } from './index.js';

interface GateFlags {
  plan: string;
  to: string;
  evidenceDir?: string;
  bundle?: string;
  keyring?: string;
  format: 'table' | 'json';
}

/**
 * `bulwark gate --to staging`: go (exit 0) only when the newest signed evidence of the gate's
 * source environment is unaltered, fresh enough, and every criterion the promotion requires
 * passed in it (or is covered by a waiver that has not expired). Otherwise exit 1 with every
 * blocker and its reason.
 */
export function registerGate(program: Command, setExitCode: SetExitCode): void {
  const gate = program
    .command('gate')
    .description(
      'promotion gates (go/no-go from signed evidence) and the tool gate (signed policy bundles, mode transitions, decisions, egress rules)',
    );
  registerToolGateCommands(gate, setExitCode);
  // `bulwark gate --to staging` is `bulwark gate promote --to staging`: the default subcommand.
  gate
    .command('promote', { isDefault: true })
    .description(
      'decide a promotion from signed evidence: exit 0 go, 1 blocked (each blocker listed with its reason)',
    )
    .option('--plan <file>', 'the plan file', DEFAULT_PLAN_FILE)
    .requiredOption('--to <env>', "the environment promoted to: a key of the plan's gates")
    .addOption(
      new Option(
        '--evidence-dir <dir>',
        `where bundles are kept; the newest of the gate's source environment decides (default ${DEFAULT_EVIDENCE_ROOT})`,
      ).conflicts('bundle'),
    )
    .option('--bundle <dir>', 'decide on this bundle instead of the newest one')
    .option(
      '--keyring <file>',
      "trusted public keys (bulwark keys export-public); default: the key provider's public keys",
    )
    .addOption(formatOption())
    .addHelpText(
      'after',
      '\nExamples:\n  bulwark gate --plan bulwark.plan.yaml --to staging\n' +
        '  bulwark gate --to prod --keyring release-keys.json --format json\n' +
        '\nBlocker codes: no-evidence, bad-signature, unknown-key, altered, wrong-environment, wrong-plan, ' +
        'stale, failing, skipped, expired-waiver, waiver-missing.' +
        '\nExit codes: 0 go, 1 blocked, 2 bad usage: an invalid plan, an unknown gate, no trusted keys, ' +
        'or a corrupt bundle.',
    )
    .action(async (flags: GateFlags) => {
      const loaded = await loadPlan(flags.plan, defaultRegistry()).catch((error: unknown) => {
        if (error instanceof PlanError) throw new UsageError(error.message);
        throw error;
      });
      const gates = Object.keys(loaded.plan.gates ?? {});
      if (!gates.includes(flags.to)) {
        throw new UsageError(
          `${flags.plan} has no gate ${JSON.stringify(flags.to)}; ${gates.length > 0 ? `its gates: ${gates.join(', ')}` : 'it defines no gates'}`,
        );
      }
      const { keyring, source } = await resolveKeyring(flags);
      let decision: GateDecision;
      try {
        decision = await decideGate({
          plan: loaded.plan,
          gateName: flags.to,
          ...(flags.bundle ? { bundleDir: flags.bundle } : {}),
          evidenceRoot: flags.evidenceDir ?? DEFAULT_EVIDENCE_ROOT,
          keyring,
          now: new Date(),
        });
      } catch (error) {
        if (error instanceof BundleError) throw new UsageError(error.message);
        throw error;
      }
      const terminal = createTerminal();
      if (flags.format === 'json') {
        terminal.out(JSON.stringify({ ...decision, trust: source }, null, 2));
      } else {
        printDecision(decision, source, terminal);
      }
      setExitCode(decision.ok ? EXIT.ok : EXIT.checksFailed);
    });
}

function printDecision(decision: GateDecision, source: string, terminal: Terminal): void {
  const { color } = terminal;
  const route = `${decision.from} → ${decision.gate}`;
  if (decision.ok) {
    terminal.out(
      `${color.green('GO')}  ${route}: ${decision.required.length} required criteria pass`,
    );
  } else {
    const n = decision.blockers.length;
    terminal.out(`${color.red('BLOCKED')}  ${route}: ${n} blocker${n === 1 ? '' : 's'}`);
    const width = Math.max(...decision.blockers.map((b) => b.code.length));
    for (const blocker of decision.blockers) {
      const about = blocker.criterion ? `${blocker.criterion}: ` : '';
      terminal.out(`  ${color.red(blocker.code.padEnd(width))}  ${about}${blocker.message}`);
    }
  }
  for (const s of decision.satisfied) {
    if (s.verdict === 'pass' && s.via === 'evidence') continue;
    const label = s.verdict === 'warn' ? color.yellow('warn') : color.yellow(s.verdict);
    terminal.out(`  ${label}  ${s.criterion}: passes via ${s.via}`);
  }
  if (decision.bundle) {
    const shown = shownPath(decision.bundle.dir);
    const signed = decision.bundle.signedBy
      ? `signed by ${decision.bundle.signedBy}`
      : 'signature not trusted';
    terminal.out(
      `evidence: ${shown} (${signed}, ${formatDuration(Math.max(0, decision.bundle.ageMs))} old, max ${decision.maxEvidenceAge})`,
    );
  }
  terminal.out(`trust:    ${source}`);
}

/** Relative to the working directory when inside it, else as given. */
function shownPath(dir: string): string {
  const inside = relative(process.cwd(), dir);
  return inside === '' ? '.' : inside.startsWith('..') || isAbsolute(inside) ? dir : inside;
}
