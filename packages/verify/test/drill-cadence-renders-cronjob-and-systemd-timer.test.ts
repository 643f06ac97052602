import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemPart } from '@bulwark/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { audit } from '../src/audit/index.js';
import { drillSchedules, ScheduleError } from '../src/checks/drill/schedule.js';
import { cronFor } from '../src/checks/drill/schedule-cron.js';
import {
  PLACEHOLDER_IMAGE,
  renderCronJobs,
  servicePorts,
} from '../src/checks/drill/schedule-cronjob.js';
import {
  DEFAULT_SYSTEMD_COMMAND,
  renderSystemdUnits,
} from '../src/checks/drill/schedule-systemd.js';
import { durationMs } from '../src/plan/duration.js';
import type { Plan, PlanEnvironment } from '../src/plan/schema.js';

const systemdAnalyze = systemPart({
  name: 'systemd-analyze',
  install: 'apt-get install -y systemd',
  probe: ['systemd-analyze', '--version'],
});
const work = mkdtempSync(join(tmpdir(), 'bw-schedule-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const plan: Plan = {
  format: 'bulwark.plan/v1',
  name: 'trading',
  environments: {
    staging: {
      services: [
        { name: 'api', url: 'http://api.trading:8080' },
        { name: 'web', url: 'https://web.trading' },
      ],
      // A URL from a variable names no port: it adds none.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the plan's ${VAR} syntax
      databases: [{ name: 'orders', url: '${ORDERS_DATABASE_URL}' }],
    },
  },
  criteria: [
    {
      id: 'capacity',
      text: 'weekly capacity drill',
      status: 'todo',
      checks: [{ check: 'drill.load', with: { path: '/v1/orders' }, cadence: '7d' }],
    },
    {
      id: 'capacity.peak',
      text: 'daily peak check',
      status: 'todo',
      // The same drill more often: one job, on the shorter cadence.
      checks: [{ check: 'drill.load', with: { path: '/v1/quotes' }, cadence: '1d' }],
    },
    {
      id: 'soak',
      text: 'monthly soak',
      status: 'todo',
      checks: [
        { check: 'drill.soak', with: { path: '/', rate: 5, durationMs: 60000 }, cadence: '30d' },
      ],
    },
    {
      id: 'probes',
      text: 'not a drill',
      status: 'done',
      checks: [{ check: 'probe.contract', cadence: '1d' }],
    },
    {
      id: 'no-cadence',
      text: 'drill without one',
      status: 'todo',
      checks: [{ check: 'drill.shutdown', with: { maxMs: 1 } }],
    },
  ],
};

describe('drill schedules', () => {
  it('makes one job per drill with a cadence, on its shortest cadence', () => {
    expect(drillSchedules(plan)).toEqual([
      {
        drill: 'load',
        check: 'drill.load',
        cadence: '1d',
        cadenceMs: 86_400_000,
        criteria: ['capacity', 'capacity.peak'],
      },
      {
        drill: 'soak',
        check: 'drill.soak',
        cadence: '30d',
        cadenceMs: 30 * 86_400_000,
        criteria: ['soak'],
      },
    ]);
  });

  it('maps a cadence to cron without ever leaving a gap longer than the cadence', () => {
    const cron = (cadence: string) => cronFor(cadence, durationMs(cadence)).expression;
    expect(cron('1m')).toBe('* * * * *');
    expect(cron('15m')).toBe('*/15 * * * *');
    expect(cron('45m')).toBe('*/30 * * * *');
    expect(cron('1h')).toBe('0 * * * *');
    expect(cron('90m')).toBe('0 * * * *');
    expect(cron('5h')).toBe('0 */4 * * *');
    expect(cron('1d')).toBe('0 0 * * *');
    expect(cron('36h')).toBe('0 0 * * *');
    expect(cron('3d')).toBe('0 0 */3 * *');
    expect(cron('7d')).toBe('0 0 * * 0');
    expect(cron('30d')).toBe('0 0 */30 * *');
    expect(cron('60d')).toBe('0 0 1 * *');
    expect(() => cron('30s')).toThrow(ScheduleError);
    for (const cadence of ['1m', '7m', '59m', '2h', '7h', '23h', '2d', '8d', '29d', '31d', '90d']) {
      expect(cronFor(cadence, durationMs(cadence)).maxGapMs).toBeLessThanOrEqual(
        durationMs(cadence),
      );
    }
  });

  it('renders CronJobs that parse, run `bulwark drill`, and pass bulwark audit', () => {
    const yaml = renderCronJobs(drillSchedules(plan), {
      planFile: '/repo/ops/bulwark.plan.yaml',
      environment: 'staging',
      ports: servicePorts(plan.environments.staging as PlanEnvironment),
      image: PLACEHOLDER_IMAGE,
      namespace: 'drills',
    });
    const documents = parseAllDocuments(yaml);
    expect(documents.map((d) => d.errors)).toEqual([[], [], []]);
    const [load, soak, policy] = documents.map((d) => d.toJS()) as Array<Record<string, any>>;
    expect(load).toMatchObject({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: {
        name: 'bulwark-drill-load-staging',
        namespace: 'drills',
        annotations: {
          'bulwark.dev/cadence': '1d',
          'bulwark.dev/criteria': 'capacity,capacity.peak',
        },
      },
      spec: { schedule: '0 0 * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid' },
    });
    const pod = load?.spec.jobTemplate.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0].image).toBe(PLACEHOLDER_IMAGE);
    expect(pod.containers[0].args).toEqual([
      'drill',
      'load',
      '--plan',
      '/etc/bulwark/plan/bulwark.plan.yaml',
      '--env',
      'staging',
      '--evidence-dir',
      '/var/lib/bulwark/evidence',
    ]);
    expect(soak?.spec.schedule).toBe('0 0 */30 * *');
    expect(policy?.kind).toBe('NetworkPolicy');
    expect(policy?.spec.egress[1]).toEqual({
      ports: [
        { protocol: 'TCP', port: 443 },
        { protocol: 'TCP', port: 8080 },
      ],
    });

    const report = audit({
      paths: ['-'],
      stdin: yaml,
      cwd: work,
      waiversFile: false,
      kubectl: false,
    });
    expect(report.objects).toBe(3);
    expect(report.findings.map((f) => `${f.controlId} ${f.resource ?? ''} ${f.message}`)).toEqual(
      [],
    );
  });

  it('renders systemd service and timer units that systemd-analyze accepts', () => {
    const planFile = join(work, 'ops dir', 'bulwark.plan.yaml');
    const units = drillSchedules(plan).map((schedule) =>
      renderSystemdUnits(schedule, {
        planFile,
        environment: 'staging',
        command: DEFAULT_SYSTEMD_COMMAND,
      }),
    );
    const [load, soak] = units;
    expect(load?.name).toBe('bulwark-drill-load-staging');
    expect(load?.service).toContain(
      `ExecStart=/usr/bin/env bulwark drill load --plan "${planFile}" --env staging\n`,
    );
    expect(load?.service).toContain(`WorkingDirectory=${join(work, 'ops dir')}\n`);
    expect(load?.timer).toContain('OnCalendar=daily\nPersistent=true\n');
    expect(soak?.timer).toContain('OnActiveSec=5min\nOnBootSec=5min\nOnUnitActiveSec=30d\n');
    expect(soak?.timer).not.toContain('monthly');

    if (!systemdAnalyze.available) return;
    const files: string[] = [];
    for (const unit of units) {
      for (const [suffix, text] of [
        ['service', unit?.service],
        ['timer', unit?.timer],
      ] as const) {
        const file = join(work, `${unit?.name}.${suffix}`);
        writeFileSync(file, text ?? '');
        files.push(file);
      }
    }
    const verify = spawnSync('systemd-analyze', ['verify', ...files], { encoding: 'utf8' });
    expect(verify.stderr).toBe('');
    expect(verify.status).toBe(0);

    // The check can fail: a timer with a bad calendar is refused.
    const broken = join(work, 'broken.timer');
    writeFileSync(
      broken,
      (load?.timer ?? '').replace('OnCalendar=daily', 'OnCalendar=fortnightly'),
    );
    expect(spawnSync('systemd-analyze', ['verify', broken]).status).not.toBe(0);
  });
});
