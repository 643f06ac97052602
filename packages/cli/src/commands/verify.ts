import { defaultRegistry, loadPlan } from '@bulwark/verify';
import type { Command } from 'commander';
import { formatOption } from '../main.js';
import { createTerminal } from '../output/terminal.js';
import { DEFAULT_PLAN_FILE } from '../plan-paths.js';
import {
  addRecordOptions,
  chooseEnvironment,
  type RecordFlags,
  runAndRecord,
  usage,
} from '../verify-run.js';
import type { SetExitCode } from './index.js';

interface VerifyFlags extends RecordFlags {
  plan: string;
  env?: string;
  only?: string[];
  listChecks: boolean;
}

export function registerVerify(program: Command, setExitCode: SetExitCode): void {
  const command = program
    .command('verify')
    .description(
      "run a hardening plan's criteria against an environment: live checks, the static audit, " +
        'attestations; writes a signed evidence bundle with JSON, JUnit and HTML reports',
    )
    .option('--plan <file>', 'the plan file', DEFAULT_PLAN_FILE)
    .option('--env <name>', "the plan's environment to verify (needed when it has several)")
    .option(
      '--only <ids>',
      'only these criteria (comma-separated ids)',
      (value: string, previous: string[] = []) => [
        ...previous,
        ...value
          .split(',')
          .map((id) => id.trim())
          .filter(Boolean),
      ],
    );
  addRecordOptions(command)
    .option('--list-checks', 'list the checks a plan can bind, with their parameters', false)
    .addOption(formatOption())
    .addHelpText(
      'after',
      '\nExamples:\n  bulwark verify --plan bulwark.plan.yaml --env local\n' +
        '  bulwark verify --env local --only health.probes,errors.problem-json --ledger http://127.0.0.1:8081\n' +
        '\nExit codes: 0 every required criterion passed (or is waived), 1 one did not, ' +
        '2 bad usage, an invalid plan or an unknown environment, 130 interrupted.',
    )
    .action(async (flags: VerifyFlags) => {
      const registry = defaultRegistry();
      const terminal = createTerminal();
      if (flags.listChecks) {
        const checks = registry
          .list()
          .map((p) => ({ id: p.id, scope: p.scope, description: p.description, params: p.params }));
        if (flags.format === 'json') terminal.out(JSON.stringify(checks, null, 2));
        else for (const c of checks) terminal.out(`${c.id.padEnd(22)} ${c.description}`);
        return;
      }
      const loaded = await usage(() => loadPlan(flags.plan, registry));
      const environment = chooseEnvironment(loaded, flags.env);
      await runAndRecord({
        loaded,
        environment,
        registry,
        ...(flags.only ? { only: flags.only } : {}),
        flags,
        label: 'verifying',
        setExitCode,
      });
    });
}
