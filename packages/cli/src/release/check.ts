import { type ReleaseCheckName, type ReleaseCheckResult, runReleaseCheck } from '@bulwark/release';
import type { SetExitCode } from '../commands/index.js';
import { EXIT } from '../exit-codes.js';
import { createTerminal, type Terminal } from '../output/terminal.js';
import { resolveKeyring } from '../trust/keyring.js';
import { type ConfigFlags, configOf, released } from './settings.js';

interface CheckFlags extends ConfigFlags {
  only?: ReleaseCheckName[];
  keyring?: string;
  allowUnreachableAdvisories: boolean;
}

/** `bulwark release check`: every blocker, each check's findings, exit 1 when one fails. */
export async function runCheck(flags: CheckFlags, setExitCode: SetExitCode): Promise<void> {
  const { root, config } = configOf(flags);
  const wantsEvidence = !flags.only || flags.only.includes('evidence');
  const evidenceKeys = wantsEvidence ? (await resolveKeyring(flags)).keyring : undefined;
  const terminal = createTerminal();
  const report = await released(() =>
    runReleaseCheck({
      root,
      config,
      ...(flags.only ? { only: flags.only } : {}),
      ...(evidenceKeys ? { evidenceKeys } : {}),
      allowUnreachableAdvisories: flags.allowUnreachableAdvisories,
      onCheck: (check) => terminal.progress(`release check: ${check}`),
    }),
  ).finally(() => terminal.progressDone());
  if (flags.format === 'json') terminal.out(JSON.stringify(report, null, 2));
  else {
    for (const result of report.results) printResult(result, terminal);
    const failed = report.results.filter((r) => r.status === 'fail').map((r) => r.check);
    terminal.out(
      failed.length === 0
        ? terminal.color.green('release check: go')
        : terminal.color.red(`release check: no-go (${failed.join(', ')})`),
    );
  }
  setExitCode(report.ok ? EXIT.ok : EXIT.checksFailed);
}

const SHOWN_FINDINGS = 20;

function printResult(result: ReleaseCheckResult, terminal: Terminal): void {
  const { color } = terminal;
  const status = {
    pass: color.green('PASS'),
    warn: color.yellow('WARN'),
    fail: color.red('FAIL'),
  }[result.status];
  terminal.out(`${status}  ${result.check.padEnd(12)} ${result.summary}`);
  for (const finding of result.findings.slice(0, SHOWN_FINDINGS)) {
    const where =
      finding.location && !finding.message.includes(finding.location)
        ? ` (${finding.location})`
        : '';
    const mark = finding.waived
      ? color.dim(`waived by ${finding.waived.owner} until ${finding.waived.expires}:`)
      : finding.warning
        ? color.yellow('warning:')
        : color.red('blocker:');
    terminal.out(`      ${mark} ${finding.message}${where}`);
  }
  const more = result.findings.length - SHOWN_FINDINGS;
  if (more > 0) terminal.out(`      … and ${more} more (--format json lists them all)`);
  for (const artifact of result.artifacts ?? []) terminal.out(`      wrote ${artifact}`);
}
