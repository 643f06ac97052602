import { basename } from 'node:path';
import { stringify } from 'yaml';
import type { PlanEnvironment } from '../../plan/schema.js';
import { type DrillSchedule, drillArgs, jobName } from './schedule.js';
import { cronFor } from './schedule-cron.js';

/**
 * Each drill's cadence as a Kubernetes CronJob running `bulwark drill NAME` in a container. What
 * the job expects in its namespace (documented in docs/cli-drill.md):
 *   - the image: the bulwark CLI and the plan's plugins; the default is a placeholder digest that
 *     does not exist, so nothing runs until it is set (`--image`);
 *   - ConfigMap `bulwark-plan` holding the plan file under its own name, mounted read-only;
 *   - PersistentVolumeClaim `bulwark-evidence`: the signed bundles, kept between runs (the gate
 *     and `plan status` read them);
 *   - Secret `bulwark-drill` (optional): environment for the signing key provider and the
 *     plan's ${VARS}, never written into the plan.
 * The pod is hardened the way `bulwark audit` asks: non-root, read-only root filesystem, no
 * privilege escalation, all capabilities dropped, RuntimeDefault seccomp, no service account
 * token, resource requests and limits, and no retries (a failed drill is evidence, not a flake).
 * A NetworkPolicy isolates the drill pods' egress to DNS and the ports of the environment's
 * services and databases (as their URLs give them).
 */
export interface CronJobOptions {
  readonly planFile: string;
  readonly environment: string;
  /** The ports the drills reach: servicePorts(the plan's environment). */
  readonly ports: readonly number[];
  readonly image: string;
  readonly namespace?: string;
}

/** Not an image anyone can pull: a deployment fails until `--image` names the real one. */
export const PLACEHOLDER_IMAGE = `registry.example.com/bulwark@sha256:${'0'.repeat(64)}`;

const PLAN_MOUNT = '/etc/bulwark/plan';
const EVIDENCE_MOUNT = '/var/lib/bulwark/evidence';

export function renderCronJob(schedule: DrillSchedule, options: CronJobOptions): object {
  const cron = cronFor(schedule.cadence, schedule.cadenceMs);
  const name = jobName(schedule, options.environment);
  const labels = {
    'app.kubernetes.io/name': 'bulwark-drill',
    'app.kubernetes.io/instance': name,
    'bulwark.dev/drill': schedule.drill,
  };
  const args = [
    ...drillArgs(schedule, {
      plan: `${PLAN_MOUNT}/${basename(options.planFile)}`,
      environment: options.environment,
    }),
    '--evidence-dir',
    EVIDENCE_MOUNT,
  ];
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: {
      name,
      ...(options.namespace ? { namespace: options.namespace } : {}),
      labels,
      annotations: {
        'bulwark.dev/cadence': schedule.cadence,
        'bulwark.dev/criteria': schedule.criteria.join(','),
        'bulwark.dev/schedule': cron.description,
      },
    },
    spec: {
      schedule: cron.expression,
      timeZone: 'Etc/UTC',
      // Drills must not overlap: one's load would skew another's figures.
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels },
        spec: {
          backoffLimit: 0,
          template: {
            metadata: { labels },
            spec: {
              restartPolicy: 'Never',
              automountServiceAccountToken: false,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 10001,
                runAsGroup: 10001,
                fsGroup: 10001,
                seccompProfile: { type: 'RuntimeDefault' },
              },
              containers: [
                {
                  name: 'drill',
                  image: options.image,
                  args,
                  envFrom: [{ secretRef: { name: 'bulwark-drill', optional: true } }],
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ['ALL'] },
                  },
                  resources: {
                    requests: { cpu: '250m', memory: '256Mi' },
                    limits: { cpu: '1', memory: '1Gi' },
                  },
                  volumeMounts: [
                    { name: 'plan', mountPath: PLAN_MOUNT, readOnly: true },
                    { name: 'evidence', mountPath: EVIDENCE_MOUNT },
                    { name: 'tmp', mountPath: '/tmp' },
                  ],
                },
              ],
              volumes: [
                { name: 'plan', configMap: { name: 'bulwark-plan' } },
                { name: 'evidence', persistentVolumeClaim: { claimName: 'bulwark-evidence' } },
                { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
              ],
            },
          },
        },
      },
    },
  };
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = {
  'http:': 80,
  'https:': 443,
  'postgres:': 5432,
  'postgresql:': 5432,
  'redis:': 6379,
  'rediss:': 6379,
  'nats:': 4222,
};

/** The ports of the environment's service and database URLs (a URL naming ${VARS} is left out). */
export function servicePorts(environment: PlanEnvironment): number[] {
  const ports = new Set<number>();
  for (const url of [
    ...environment.services.map((s) => s.url),
    ...(environment.databases ?? []).map((d) => d.url),
  ]) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      continue;
    }
    const port = parsed.port === '' ? DEFAULT_PORTS[parsed.protocol] : Number(parsed.port);
    if (port !== undefined) ports.add(port);
  }
  return [...ports].sort((a, b) => a - b);
}

/** Default-deny egress for the drill pods, but DNS and the environment's ports. */
export function renderDrillNetworkPolicy(options: CronJobOptions): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: `bulwark-drill-egress-${options.environment}`
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, '-'),
      ...(options.namespace ? { namespace: options.namespace } : {}),
    },
    spec: {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'bulwark-drill' } },
      policyTypes: ['Egress'],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
              podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
            },
          ],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
        ...(options.ports.length > 0
          ? [{ ports: options.ports.map((port) => ({ protocol: 'TCP', port })) }]
          : []),
      ],
    },
  };
}

/** Every CronJob, then the NetworkPolicy for their pods, as one multi-document YAML stream. */
export function renderCronJobs(
  schedules: readonly DrillSchedule[],
  options: CronJobOptions,
): string {
  const yaml = (value: object) => stringify(value, { lineWidth: 0 });
  return [
    ...schedules.map(
      (schedule) =>
        `# ${schedule.check} for ${schedule.criteria.join(', ')}: cadence ${schedule.cadence}\n${yaml(renderCronJob(schedule, options))}`,
    ),
    `# egress of the drill pods: DNS and the ports of environment ${options.environment}\n${yaml(renderDrillNetworkPolicy(options))}`,
  ].join('---\n');
}
