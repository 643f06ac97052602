import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import {
  cronFor,
  DEFAULT_SYSTEMD_COMMAND,
  type DrillSchedule,
  drillSchedules,
  type LoadedPlan,
  PLACEHOLDER_IMAGE,
  renderCronJobs,
  renderSystemdUnits,
  ScheduleError,
  servicePorts,
} from '@bulwark/verify';
import { UsageError } from './exit-codes.js';
import type { Terminal } from './output/terminal.js';

/**
 * `bulwark drill schedule`: each drill's cadence as Kubernetes CronJobs (one YAML stream, with
 * the NetworkPolicy their pods need) or systemd service and timer units, printed or written to
 * `--out`. The mapping from cadence to schedule is in @bulwark/verify (schedule-cron.ts,
 * schedule-systemd.ts) and docs/cli-drill.md.
 */
export type ScheduleFormat = 'cronjob' | 'systemd' | 'json';

export interface ScheduleOptions {
  readonly loaded: LoadedPlan;
  readonly environment: string;
  readonly format: ScheduleFormat;
  readonly image?: string;
  readonly namespace?: string;
  /** The command that runs bulwark in the systemd service, split on spaces. */
  readonly command?: string;
  readonly out?: string;
}

export async function renderSchedule(options: ScheduleOptions, terminal: Terminal): Promise<void> {
  const { loaded, environment } = options;
  const schedules = drillSchedules(loaded.plan);
  if (schedules.length === 0) {
    throw new UsageError(
      `${loaded.path} gives no drill a cadence: add one to a drill binding (cadence: 7d)`,
    );
  }
  const cronjobOptions = {
    planFile: loaded.path,
    environment,
    ports: servicePorts(loaded.plan.environments[environment] ?? { services: [] }),
    image: options.image ?? PLACEHOLDER_IMAGE,
    ...(options.namespace ? { namespace: options.namespace } : {}),
  };
  const command = options.command?.trim().split(/\s+/) ?? [...DEFAULT_SYSTEMD_COMMAND];
  if (!command[0]?.startsWith('/')) {
    throw new UsageError(
      `--command must start with an absolute path (systemd runs no shell): ${options.command}`,
    );
  }
  const systemdOptions = { planFile: loaded.path, environment, command };
  try {
    if (options.format === 'json') {
      terminal.out(
        JSON.stringify(scheduleDocument(schedules, cronjobOptions, systemdOptions), null, 2),
      );
      return;
    }
    const files: Array<{ name: string; text: string }> =
      options.format === 'cronjob'
        ? [
            {
              name: `bulwark-drills-${environment}.yaml`,
              text: renderCronJobs(schedules, cronjobOptions),
            },
          ]
        : schedules.flatMap((schedule) => {
            const units = renderSystemdUnits(schedule, systemdOptions);
            return [
              { name: `${units.name}.service`, text: units.service },
              { name: `${units.name}.timer`, text: units.timer },
            ];
          });
    if (options.out) {
      await mkdir(options.out, { recursive: true });
      for (const file of files) {
        const path = join(options.out, file.name);
        await writeFile(path, file.text);
        terminal.out(`wrote ${relative(process.cwd(), path) || path}`);
      }
      return;
    }
    if (options.format === 'cronjob') process.stdout.write(files[0]?.text ?? '');
    else process.stdout.write(files.map((f) => `# ${f.name}\n${f.text}`).join('\n'));
  } catch (error) {
    if (error instanceof ScheduleError) throw new UsageError(error.message);
    throw error;
  }
}

function scheduleDocument(
  schedules: readonly DrillSchedule[],
  cronjob: Parameters<typeof renderCronJobs>[1],
  systemd: Parameters<typeof renderSystemdUnits>[1],
) {
  return {
    environment: cronjob.environment,
    drills: schedules.map((schedule) => {
      const cron = cronFor(schedule.cadence, schedule.cadenceMs);
      return {
        ...schedule,
        cron: { expression: cron.expression, description: cron.description },
        systemd: renderSystemdUnits(schedule, systemd),
      };
    }),
    cronjobs: renderCronJobs(schedules, cronjob),
  };
}
