import { MAX_INPUT_MIB } from './input-text.js';
import type { Format, Profile, Severity } from './model.js';
import { MAX_ALIAS_NODES, MAX_YAML_DEPTH } from './yaml-limits.js';

/**
 * One control catalogue for every format. A control's ID never changes once published: waivers,
 * baselines and dashboards key on it. `formats` lists where the control is judged; the fixture
 * test asserts a passing and a failing fixture exist for each of them.
 */
export interface Control {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  /** `meta` controls (input and waiver hygiene) run under every profile. */
  readonly profile: 'security' | 'operability' | 'meta';
  readonly formats: readonly Format[];
  readonly rationale: string;
  readonly fix: string;
  readonly patch?: Partial<Record<Format, string>>;
}

const ALL: readonly Format[] = ['kubernetes', 'compose', 'dockerfile'];
const RUNTIME: readonly Format[] = ['kubernetes', 'compose'];

export const CONTROLS: readonly Control[] = [
  {
    id: 'BW-USER-NONROOT',
    title: 'Runs as a non-root user',
    severity: 'high',
    profile: 'security',
    formats: ALL,
    rationale:
      'A process running as root inside a container is root on the host once it escapes. The effective user counts: a Dockerfile with no USER, a compose service with no `user:` over such an image, and a pod without runAsNonRoot all run as root.',
    fix: 'Set a numeric non-root user in the image and require it at run time.',
    patch: {
      dockerfile: 'USER 10001:10001',
      compose: 'user: "10001:10001"',
      kubernetes: 'securityContext:\n  runAsNonRoot: true\n  runAsUser: 10001',
    },
  },
  {
    id: 'BW-READONLY-ROOTFS',
    title: 'Root filesystem is read-only',
    severity: 'medium',
    profile: 'security',
    formats: RUNTIME,
    rationale:
      'A writable root filesystem lets an attacker drop tools and persist changes. Mount tmpfs or emptyDir where the service needs to write.',
    fix: 'Make the root filesystem read-only and mount writable scratch space explicitly.',
    patch: {
      compose: 'read_only: true\ntmpfs:\n  - /tmp',
      kubernetes: 'securityContext:\n  readOnlyRootFilesystem: true',
    },
  },
  {
    id: 'BW-CAPS-DROP-ALL',
    title: 'All Linux capabilities dropped',
    severity: 'high',
    profile: 'security',
    formats: RUNTIME,
    rationale:
      'The default capability set includes NET_RAW, CHOWN, SETUID and more. Drop them all and add back only NET_BIND_SERVICE if a low port is unavoidable.',
    fix: 'Drop ALL capabilities; add back only what the process provably needs.',
    patch: {
      compose: 'cap_drop:\n  - ALL',
      kubernetes: 'securityContext:\n  capabilities:\n    drop: ["ALL"]',
    },
  },
  {
    id: 'BW-NO-NEW-PRIVILEGES',
    title: 'No privilege escalation',
    severity: 'high',
    profile: 'security',
    formats: RUNTIME,
    rationale:
      'Without no-new-privileges a setuid binary can raise the process above its starting privileges. Kubernetes allows escalation unless allowPrivilegeEscalation is false.',
    fix: 'Forbid privilege escalation.',
    patch: {
      compose: 'security_opt:\n  - no-new-privileges:true',
      kubernetes: 'securityContext:\n  allowPrivilegeEscalation: false',
    },
  },
  {
    id: 'BW-PRIVILEGED',
    title: 'Not privileged',
    severity: 'critical',
    profile: 'security',
    formats: RUNTIME,
    rationale: 'A privileged container has every capability and every host device: it is the host.',
    fix: 'Remove privileged mode; grant the single capability or device actually needed.',
    patch: { compose: 'privileged: false', kubernetes: 'securityContext:\n  privileged: false' },
  },
  {
    id: 'BW-HOST-NAMESPACES',
    title: 'No host network, PID or IPC namespace',
    severity: 'high',
    profile: 'security',
    formats: RUNTIME,
    rationale:
      'Sharing the host network, PID or IPC namespace removes the isolation between the container and every other process on the node.',
    fix: 'Use the container network and private PID/IPC namespaces.',
    patch: {
      compose: '# remove network_mode: host, pid: host, ipc: host',
      kubernetes: 'hostNetwork: false\nhostPID: false\nhostIPC: false',
    },
  },
  {
    id: 'BW-SECCOMP',
    title: 'Seccomp profile RuntimeDefault',
    severity: 'medium',
    profile: 'security',
    formats: RUNTIME,
    rationale:
      'Kubernetes runs pods Unconfined unless a seccomp profile is set; Docker applies its default profile unless it is disabled with seccomp=unconfined.',
    fix: 'Use the runtime default seccomp profile.',
    patch: {
      compose: '# remove security_opt: seccomp=unconfined',
      kubernetes: 'securityContext:\n  seccompProfile:\n    type: RuntimeDefault',
    },
  },
  {
    id: 'BW-IMAGE-DIGEST',
    title: 'Image pinned by digest',
    severity: 'medium',
    profile: 'security',
    formats: ALL,
    rationale:
      'A tag can be moved to different content at any time; only a digest names exactly what was reviewed and scanned.',
    fix: 'Reference the image by digest (keep the tag for readability).',
    patch: {
      dockerfile: 'FROM node:20-bookworm-slim@sha256:<digest>',
      compose: 'image: postgres:16@sha256:<digest>',
      kubernetes: 'image: registry.example.com/app:1.4.2@sha256:<digest>',
    },
  },
  {
    id: 'BW-IMAGE-LATEST',
    title: 'Image tag is not latest',
    severity: 'medium',
    profile: 'operability',
    formats: ALL,
    rationale:
      'An untagged or `latest` image changes under you, so two replicas can run different code and a rollback returns to nothing in particular.',
    fix: 'Use an explicit version tag, ideally with a digest.',
  },
  {
    id: 'BW-RESOURCES',
    title: 'CPU and memory requests and limits',
    severity: 'medium',
    profile: 'operability',
    formats: RUNTIME,
    rationale:
      'Without requests the scheduler overcommits; without limits one leaking process starves its neighbours. Compose services need limits.',
    fix: 'Declare CPU and memory requests (reservations) and limits.',
    patch: {
      compose: 'deploy:\n  resources:\n    limits:\n      cpus: "1"\n      memory: 512M',
      kubernetes:
        'resources:\n  requests: { cpu: 100m, memory: 256Mi }\n  limits: { cpu: "1", memory: 256Mi }',
    },
  },
  {
    id: 'BW-PIDS-LIMIT',
    title: 'Process count limited',
    severity: 'low',
    profile: 'operability',
    formats: ['compose'],
    rationale:
      'A fork bomb or a thread leak in one container exhausts the host PID table. Kubernetes sets this per node (podPidsLimit), so it is judged for compose only.',
    fix: 'Set a pids limit.',
    patch: { compose: 'pids_limit: 256' },
  },
  {
    id: 'BW-HEALTHCHECK',
    title: 'Health check or liveness and readiness probes',
    severity: 'medium',
    profile: 'operability',
    formats: ALL,
    rationale:
      'Without a health check the orchestrator routes traffic to a process that is up but unable to serve, and never restarts one that has hung.',
    fix: 'Add a HEALTHCHECK / healthcheck, or readiness and liveness probes for long-running pods.',
    patch: {
      dockerfile:
        'HEALTHCHECK --interval=10s --timeout=3s CMD ["node", "-e", "fetch(\'http://127.0.0.1:8080/live\').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]',
      compose:
        'healthcheck:\n  test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/live"]\n  interval: 10s',
      kubernetes:
        'readinessProbe:\n  httpGet: { path: /ready, port: http }\nlivenessProbe:\n  httpGet: { path: /live, port: http }',
    },
  },
  {
    id: 'BW-PROBE-STARTUP',
    title: 'Startup probe',
    severity: 'low',
    profile: 'operability',
    formats: ['kubernetes'],
    rationale:
      'A slow start without a startup probe forces a lax liveness probe, or gets the pod killed before it is up.',
    fix: 'Add a startupProbe and keep the liveness probe strict.',
    patch: {
      kubernetes:
        'startupProbe:\n  httpGet: { path: /startup, port: http }\n  failureThreshold: 30',
    },
  },
  {
    id: 'BW-PROBE-DISTINCT',
    title: 'Liveness probe differs from readiness probe',
    severity: 'medium',
    profile: 'operability',
    formats: ['kubernetes'],
    rationale:
      'When liveness equals readiness, a dependency outage makes every replica fail liveness and be restarted together, turning a brownout into an outage.',
    fix: 'Point liveness at a process-only check (/live) and readiness at dependencies (/ready).',
  },
  {
    id: 'BW-RESTART-POLICY',
    title: 'Restart policy',
    severity: 'medium',
    profile: 'operability',
    formats: ['compose'],
    rationale: 'Compose does not restart a crashed container unless told to.',
    fix: 'Set a restart policy.',
    patch: { compose: 'restart: unless-stopped' },
  },
  {
    id: 'BW-DEPENDS-HEALTHY',
    title: 'depends_on waits for a healthy dependency',
    severity: 'low',
    profile: 'operability',
    formats: ['compose'],
    rationale:
      'Plain depends_on only waits for the dependency to start, so the dependant crash-loops while the database is still initialising.',
    fix: 'Use the long form of depends_on with condition: service_healthy.',
    patch: { compose: 'depends_on:\n  postgres:\n    condition: service_healthy' },
  },
  {
    id: 'BW-PORT-EXPOSED',
    title: 'Database, cache and admin ports not published on all interfaces',
    severity: 'high',
    profile: 'security',
    formats: RUNTIME,
    rationale:
      'Publishing PostgreSQL, Redis, the Docker API or an admin console on 0.0.0.0 puts it on every network the host is on.',
    fix: 'Do not publish the port; reach it over the internal network, or bind it to 127.0.0.1.',
    patch: { compose: 'ports:\n  - "127.0.0.1:5432:5432"', kubernetes: 'type: ClusterIP' },
  },
  {
    id: 'BW-DOCKER-SOCKET',
    title: 'Container runtime socket not mounted',
    severity: 'critical',
    profile: 'security',
    formats: RUNTIME,
    rationale: 'Whoever can reach docker.sock or containerd.sock controls the host as root.',
    fix: 'Remove the socket mount.',
  },
  {
    id: 'BW-SECRET-LITERAL',
    title: 'No secrets written as literals',
    severity: 'high',
    profile: 'security',
    formats: ALL,
    rationale:
      'A secret in env or args is readable by anyone who can read the manifest, the image history or `docker inspect`.',
    fix: 'Load secrets from a secret store: Kubernetes secretKeyRef, compose secrets, or an env var supplied at deploy time.',
    patch: {
      compose:
        'environment:\n  DB_PASSWORD_FILE: /run/secrets/db_password\nsecrets:\n  - db_password',
      kubernetes:
        'env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef: { name: db, key: password }',
      dockerfile: '# pass secrets at run time, or use RUN --mount=type=secret at build time',
    },
  },
  {
    id: 'BW-CREDENTIALS-DEFAULT',
    title: 'No default or weak credentials',
    severity: 'critical',
    profile: 'security',
    formats: ALL,
    rationale:
      'Well-known defaults (postgres/postgres, guest/guest, minioadmin, trust authentication) are the first thing an attacker tries.',
    fix: 'Use a generated secret and password authentication.',
  },
  {
    id: 'BW-SA-TOKEN',
    title: 'Service account token not mounted automatically',
    severity: 'medium',
    profile: 'security',
    formats: ['kubernetes'],
    rationale:
      'Most services never call the Kubernetes API, yet every pod gets a token unless the pod or its ServiceAccount sets automountServiceAccountToken: false.',
    fix: 'Set automountServiceAccountToken: false on the ServiceAccount or the pod.',
    patch: { kubernetes: 'automountServiceAccountToken: false' },
  },
  {
    id: 'BW-PDB',
    title: 'PodDisruptionBudget for replicated workloads',
    severity: 'medium',
    profile: 'operability',
    formats: ['kubernetes'],
    rationale: 'Without a PDB a node drain may evict every replica at once.',
    fix: 'Add a PodDisruptionBudget selecting the workload pods.',
    patch: {
      kubernetes:
        'apiVersion: policy/v1\nkind: PodDisruptionBudget\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels: { app: my-app }',
    },
  },
  {
    id: 'BW-NETPOL-EGRESS',
    title: 'Default-deny egress NetworkPolicy',
    severity: 'high',
    profile: 'security',
    formats: ['kubernetes'],
    rationale:
      'Pods can reach anything unless a NetworkPolicy selecting them isolates egress; a compromised pod then exfiltrates freely.',
    fix: 'Add a NetworkPolicy that selects the pods with policyTypes [Egress] and allow only the egress they need.',
    patch: {
      kubernetes:
        'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: default-deny-egress }\nspec:\n  podSelector: {}\n  policyTypes: [Egress]',
    },
  },
  {
    id: 'BW-HA-SPREAD',
    title: 'Replicas spread across nodes or zones',
    severity: 'low',
    profile: 'operability',
    formats: ['kubernetes'],
    rationale: 'Replicas scheduled onto one node fail together.',
    fix: 'Add topologySpreadConstraints or pod anti-affinity.',
    patch: {
      kubernetes:
        'topologySpreadConstraints:\n  - maxSkew: 1\n    topologyKey: kubernetes.io/hostname\n    whenUnsatisfiable: ScheduleAnyway\n    labelSelector:\n      matchLabels: { app: my-app }',
    },
  },
  {
    id: 'BW-DOCKERFILE-MULTISTAGE',
    title: 'Multi-stage build',
    severity: 'low',
    profile: 'security',
    formats: ['dockerfile'],
    rationale:
      'A single-stage image ships compilers, package caches and sources; a separate runtime stage keeps the attack surface small.',
    fix: 'Build in one stage and copy only the artefacts into a slim runtime stage.',
  },
  {
    id: 'BW-DOCKERFILE-ADD-URL',
    title: 'No ADD from a URL',
    severity: 'medium',
    profile: 'security',
    formats: ['dockerfile'],
    rationale: 'ADD from a URL downloads unverified content at build time.',
    fix: 'Download with a checksum check (ADD --checksum=sha256:... or curl + sha256sum), or COPY a vendored file.',
  },
  {
    id: 'BW-DOCKERFILE-CURL-PIPE',
    title: 'No piping downloads into a shell',
    severity: 'high',
    profile: 'security',
    formats: ['dockerfile'],
    rationale: '`curl | sh` runs whatever the server returns, unverified, as the build user.',
    fix: 'Download to a file, verify its checksum or signature, then run it.',
  },
  {
    id: 'BW-DOCKERFILE-PKG-CACHE',
    title: 'Package manager cache cleaned',
    severity: 'low',
    profile: 'operability',
    formats: ['dockerfile'],
    rationale: 'Package indexes and caches bloat the image and pin stale metadata into it.',
    fix: 'Clean in the same RUN: `rm -rf /var/lib/apt/lists/*`, `apk add --no-cache`, `pip install --no-cache-dir`.',
  },
  {
    id: 'BW-INPUT-MALFORMED',
    title: 'Input parses',
    severity: 'critical',
    profile: 'meta',
    formats: [],
    rationale:
      'A file that cannot be parsed cannot be audited, and the orchestrator will reject or misread it. ' +
      `So is a file past the audit's limits (${MAX_INPUT_MIB} MiB, ${MAX_YAML_DEPTH} levels of nesting, ` +
      `${MAX_ALIAS_NODES.toLocaleString('en-US')} nodes added by aliases) or one that is not UTF-8 text.`,
    fix: 'Fix the syntax error at the reported location, or bring the file within the limit the finding names.',
  },
  {
    id: 'BW-WAIVER-INVALID',
    title: 'Waiver names control, target, owner, reason and expiry',
    severity: 'high',
    profile: 'meta',
    formats: [],
    rationale: 'An anonymous or open-ended waiver is a permanent hole nobody owns.',
    fix: 'Give the waiver a control, target, owner, reason and an expiry date (YYYY-MM-DD).',
  },
  {
    id: 'BW-WAIVER-EXPIRED',
    title: 'Waiver has not expired',
    severity: 'high',
    profile: 'meta',
    formats: [],
    rationale: 'An expired waiver means the agreed fix date has passed.',
    fix: 'Fix the finding, or renew the waiver with a new owner decision.',
  },
  {
    id: 'BW-WAIVER-EXPIRING',
    title: 'Waiver expires soon',
    severity: 'info',
    profile: 'meta',
    formats: [],
    rationale: 'Warns the owner before the gate starts failing.',
    fix: 'Schedule the fix before the expiry date.',
  },
  {
    id: 'BW-WAIVER-SELF-EXEMPT',
    title: 'No self-exemption through annotations',
    severity: 'high',
    profile: 'meta',
    formats: [],
    rationale:
      'When policy forbids annotation waivers, a workload cannot waive its own findings; waivers go through the reviewed waivers file.',
    fix: 'Move the waiver to .bulwark/waivers.yaml.',
  },
];

const BY_ID = new Map(CONTROLS.map((control) => [control.id, control]));

export function controlById(id: string): Control | undefined {
  return BY_ID.get(id);
}

export function controlInProfile(control: Control, profile: Profile): boolean {
  return control.profile === 'meta' || profile === 'all' || control.profile === profile;
}
