import { existsSync } from 'node:fs';
import {
  type AnyCheckPlugin,
  DRILL_PREFIX,
  defaultRegistry,
  isDrill,
  type LoadedPlan,
  loadPlan,
} from '@bulwark/verify';
import { type Command, Option } from 'commander';
import { renderSchedule, type ScheduleFormat } from '../drill-schedule.js';
import { UsageError } from '../exit-codes.js';
import { createTerminal, type Terminal } from '../output/terminal.js';
import { DEFAULT_PLAN_FILE } from '../plan-paths.js';
import {
  addRecordOptions,
  chooseEnvironment,
  type RecordFlags,
  runAndRecord,
  usage,
} from '../verify-run.js';
import type { SetExitCode } from './index.js';

const FORMATS = ['table', 'json', 'cronjob', 'systemd'] as const;

interface DrillFlags extends Omit<RecordFlags, 'format'> {
  plan: string;
  env?: string;
  list: boolean;
  format: (typeof FORMATS)[number];
  image?: string;
  namespace?: string;
  command?: string;
  out?: string;
}

/** The word that makes `bulwark drill` render schedules instead of running a drill. */
const SCHEDULE = 'schedule';

/**
 * `bulwark drill NAME`: runs the plan's criteria that bind drill.NAME against an environment and
 * records them exactly as `bulwark verify` does (a signed bundle, reports, the same exit codes).
 * `bulwark drill --list` lists the drills; `bulwark drill schedule` renders each drill's cadence
 * as Kubernetes CronJobs or systemd timers. `schedule` is read as a word rather than declared as
 * a commander subcommand: commander would hand the subcommand's --plan, --env and --format to
 * this command, which has the same options.
 */
export function registerDrill(program: Command, setExitCode: SetExitCode): void {
  const command = program
    .command('drill')
    .description(
      'run one drill of the plan (its criteria that bind drill.NAME) and record signed evidence ' +
        'like verify; --list lists the drills; `drill schedule` renders their cadences as CronJobs or systemd timers',
    )
    .argument('[name]', `the drill (load for drill.load), or ${SCHEDULE}`)
    .option('--plan <file>', 'the plan file', DEFAULT_PLAN_FILE)
    .option('--env <name>', "the plan's environment (needed when it has several)")
    .option('--list', 'list the drills, and which criteria of the plan bind each', false);
  addRecordOptions(command)
    .addOption(
      new Option(
        '--format <format>',
        'table or json; for schedule: cronjob (default), systemd or json',
      )
        .choices(FORMATS)
        .default('table'),
    )
    .option('--image <ref>', 'schedule: the image the CronJobs run (pin it by digest)')
    .option('--namespace <name>', 'schedule: the CronJobs’ namespace')
    .option(
      '--command <cmd>',
      'schedule: how the systemd service runs bulwark (absolute path first)',
    )
    .option('--out <dir>', 'schedule: write the files there instead of printing them')
    .addHelpText(
      'after',
      '\nExamples:\n  bulwark drill load --plan bulwark.plan.yaml --env staging\n' +
        '  bulwark drill --list\n' +
        '  bulwark drill schedule --plan bulwark.plan.yaml --env prod --image ghcr.io/acme/bulwark@sha256:…\n' +
        '  bulwark drill schedule --env prod --format systemd --out /etc/systemd/system\n' +
        '\nExit codes: 0 the drill passed (or is waived) / schedule rendered, 1 it did not pass, ' +
        '2 bad usage: an invalid plan, an unknown environment or drill, a plan that does not bind the drill, ' +
        '130 interrupted (cleanup still runs).',
    )
    .action(async (name: string | undefined, flags: DrillFlags) => {
      const registry = defaultRegistry();
      const terminal = createTerminal();
      const explicitPlan = command.getOptionValueSource('plan') !== 'default';
      if (flags.list) {
        if (name !== undefined) throw new UsageError('--list takes no drill name');
        const loaded =
          explicitPlan || existsSync(flags.plan)
            ? await usage(() => loadPlan(flags.plan, registry))
            : undefined;
        // After the plan: its plugins may register drills of their own.
        listDrills(drillsOf(registry.list()), loaded, flags.format === 'json', terminal);
        return;
      }
      if (name === undefined) {
        throw new UsageError('name a drill (bulwark drill --list shows them), or schedule');
      }
      const scheduleOnly = ['image', 'namespace', 'command', 'out'].filter(
        (option) => flags[option as keyof DrillFlags] !== undefined,
      );
      if (name === SCHEDULE) {
        const loaded = await usage(() => loadPlan(flags.plan, registry));
        const environment = chooseEnvironment(loaded, flags.env);
        await renderSchedule(
          {
            loaded,
            environment,
            format: scheduleFormat(flags.format),
            ...(flags.image ? { image: flags.image } : {}),
            ...(flags.namespace ? { namespace: flags.namespace } : {}),
            ...(flags.command ? { command: flags.command } : {}),
            ...(flags.out ? { out: flags.out } : {}),
          },
          terminal,
        );
        return;
      }
      if (scheduleOnly.length > 0) {
        throw new UsageError(`--${scheduleOnly[0]} is for bulwark drill ${SCHEDULE}`);
      }
      if (flags.format !== 'table' && flags.format !== 'json') {
        throw new UsageError(`--format ${flags.format} is for bulwark drill ${SCHEDULE}`);
      }
      const check = `${DRILL_PREFIX}${name}`;
      // The plan first: its plugins may register drills of their own.
      const loaded = await usage(() => loadPlan(flags.plan, registry));
      if (!registry.get(check)) {
        const drills = drillsOf(registry.list()).map(drillName);
        throw new UsageError(
          `unknown drill ${JSON.stringify(name)}; the drills are ${drills.join(', ')}`,
        );
      }
      const environment = chooseEnvironment(loaded, flags.env);
      const criteria = bindingCriteria(loaded, check);
      if (criteria.length === 0) {
        throw new UsageError(
          `${loaded.path} has no criterion that binds ${check}: add one with checks: [{ check: ${check} }]`,
        );
      }
      await runAndRecord({
        loaded,
        environment,
        registry,
        only: criteria,
        flags: { ...flags, format: flags.format },
        label: `drill ${name}`,
        setExitCode,
      });
    });
}

function scheduleFormat(format: DrillFlags['format']): ScheduleFormat {
  return format === 'table' || format === 'cronjob' ? 'cronjob' : format;
}

function drillsOf(plugins: readonly AnyCheckPlugin[]): AnyCheckPlugin[] {
  return plugins.filter((plugin) => isDrill(plugin.id));
}

function drillName(plugin: AnyCheckPlugin): string {
  return plugin.id.slice(DRILL_PREFIX.length);
}

/** Ids of the criteria that bind `check`, in plan order. */
function bindingCriteria(loaded: LoadedPlan, check: string): string[] {
  return loaded.plan.criteria
    .filter((criterion) => (criterion.checks ?? []).some((binding) => binding.check === check))
    .map((criterion) => criterion.id);
}

function listDrills(
  drills: readonly AnyCheckPlugin[],
  loaded: LoadedPlan | undefined,
  json: boolean,
  terminal: Terminal,
): void {
  const rows = drills.map((plugin) => {
    const bindings = (loaded?.plan.criteria ?? []).flatMap((criterion) =>
      (criterion.checks ?? [])
        .filter((binding) => binding.check === plugin.id)
        .map((binding) => ({
          criterion: criterion.id,
          ...(binding.cadence ? { cadence: binding.cadence } : {}),
        })),
    );
    return { name: drillName(plugin), check: plugin.id, description: plugin.description, bindings };
  });
  if (json) {
    terminal.out(JSON.stringify({ plan: loaded?.path ?? null, drills: rows }, null, 2));
    return;
  }
  const width = Math.max(...rows.map((row) => row.name.length));
  for (const row of rows) {
    terminal.out(`${row.name.padEnd(width)}  ${row.description}`);
    for (const binding of row.bindings) {
      terminal.out(
        `${' '.repeat(width)}  ${terminal.color.dim(`bound by ${binding.criterion}${binding.cadence ? `, cadence ${binding.cadence}` : ''}`)}`,
      );
    }
  }
}
