import { dirname } from 'node:path';
import { type DrillSchedule, drillArgs, jobName } from './schedule.js';

/**
 * Each drill's cadence as a systemd service (a oneshot running `bulwark drill NAME` from the
 * plan's directory) and a timer. The cadence becomes:
 *   1h → OnCalendar=hourly, 1d → OnCalendar=daily, 7d → OnCalendar=weekly, each Persistent
 *   (a run missed while the machine was off happens at the next boot);
 *   anything else → OnUnitActiveSec=<cadence> after a first run 5 minutes after the timer
 *   starts (OnActiveSec) and after each boot (OnBootSec).
 * Not OnCalendar=monthly for 30d: months of 31 days would leave a 31-day gap, and the drill
 * would be stale for a day; OnUnitActiveSec=30d keeps exactly to the cadence.
 */
export interface SystemdOptions {
  /** The plan file, absolute: the service runs from its directory. */
  readonly planFile: string;
  readonly environment: string;
  /** The command that runs bulwark, absolute: `/usr/bin/env bulwark` unless given. */
  readonly command: readonly string[];
}

export interface SystemdUnits {
  /** `bulwark-drill-load-staging`: the units are `<name>.service` and `<name>.timer`. */
  readonly name: string;
  readonly service: string;
  readonly timer: string;
}

export const DEFAULT_SYSTEMD_COMMAND = ['/usr/bin/env', 'bulwark'] as const;

const CALENDAR: ReadonlyMap<number, string> = new Map([
  [3_600_000, 'hourly'],
  [86_400_000, 'daily'],
  [7 * 86_400_000, 'weekly'],
]);

/** Duration units of a plan, as systemd time spans spell them (`m` there is ambiguous with months). */
const SPAN_UNIT: Readonly<Record<string, string>> = { ms: 'ms', s: 's', m: 'min', h: 'h', d: 'd' };

export function timerSettings(schedule: DrillSchedule): string[] {
  const calendar = CALENDAR.get(schedule.cadenceMs);
  if (calendar) return [`OnCalendar=${calendar}`, 'Persistent=true'];
  const [, amount, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(schedule.cadence) ?? [];
  return [
    'OnActiveSec=5min',
    'OnBootSec=5min',
    `OnUnitActiveSec=${amount}${SPAN_UNIT[unit as string]}`,
  ];
}

export function renderSystemdUnits(schedule: DrillSchedule, options: SystemdOptions): SystemdUnits {
  const name = jobName(schedule, options.environment);
  const argv = [
    ...options.command,
    ...drillArgs(schedule, { plan: options.planFile, environment: options.environment }),
  ];
  const about = `${schedule.check} for ${schedule.criteria.join(', ')} in ${options.environment}`;
  const service = [
    '[Unit]',
    `Description=Bulwark drill: ${about}`,
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=oneshot',
    // The rest of the line is the path: only specifiers need escaping.
    `WorkingDirectory=${dirname(options.planFile).replaceAll('%', '%%')}`,
    `ExecStart=${argv.map(quote).join(' ')}`,
    // Ctrl-C for a drill: it stops, cleans up, and records what it had.
    'KillSignal=SIGINT',
    'TimeoutStopSec=5min',
    '',
  ].join('\n');
  const timer = [
    '[Unit]',
    `Description=Run the Bulwark drill ${schedule.check} every ${schedule.cadence} (${options.environment})`,
    '',
    '[Timer]',
    ...timerSettings(schedule),
    `Unit=${name}.service`,
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
  return { name, service, timer };
}

/**
 * One word of a unit file's command line: `%` and `$` would be expanded by systemd, so they are
 * doubled; a word with spaces, quotes or backslashes is double-quoted with C-style escapes.
 */
function quote(word: string): string {
  const literal = word.replaceAll('%', '%%').replaceAll('$', '$$$$');
  return /[\s"'\\]/.test(literal) || literal === ''
    ? `"${literal.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`
    : literal;
}
