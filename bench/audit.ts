/**
 * bench:audit: how fast `bulwark audit` judges manifests, against the bare YAML parse of the same
 * corpus measured in the same run (the floor any YAML-based auditor pays). The corpus is generated
 * into a temporary directory: 5,000 Kubernetes objects (1,000 files of Deployment, Service,
 * ServiceAccount, PodDisruptionBudget and NetworkPolicy, half of them hardened) and 500 compose
 * services (50 projects of 10 services sharing an anchor). Rounds alternate so machine drift hits
 * both sides alike; the best round of each is reported.
 *
 *   npm run bench:audit -- [--rounds 3] [--files 1000] [--projects 50]
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { audit } from '@bulwark/verify';
import { parseAllDocuments } from 'yaml';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    files: { type: 'string', default: '1000' },
    projects: { type: 'string', default: '50' },
  },
});
const rounds = Number(values.rounds);
const files = Number(values.files);
const projects = Number(values.projects);
const DIGEST = `sha256:${'7f'.repeat(32)}`;

function kubernetesFile(i: number): string {
  const hardened = i % 2 === 0;
  const name = `svc-${i}`;
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: team-${i % 20}
spec:
  replicas: ${hardened ? 3 : 1}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata:
      labels: {app: ${name}, tier: backend}
    spec:
      serviceAccountName: ${name}
      securityContext:
        runAsNonRoot: ${hardened}
        seccompProfile: {type: RuntimeDefault}
      initContainers:
        - name: migrate
          image: registry.example.com/${name}-migrate:1.${i}
          resources: {limits: {cpu: 100m, memory: 64Mi}}
      containers:
        - name: app
          image: registry.example.com/${name}:1.${i}${hardened ? `@${DIGEST}` : ''}
          ports: [{name: http, containerPort: 8080}]
          env:
            - {name: PORT, value: "8080"}
            - {name: DB_PASSWORD, ${hardened ? 'valueFrom: {secretKeyRef: {name: db, key: pw}}' : 'value: hunter2-not-secret'}}
          securityContext:
            allowPrivilegeEscalation: ${!hardened}
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {cpu: 500m, memory: 256Mi}
          readinessProbe: {httpGet: {path: /ready, port: http}}
          livenessProbe: {httpGet: {path: ${hardened ? '/live' : '/ready'}, port: http}}
---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: team-${i % 20}}
spec:
  selector: {app: ${name}}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: ${name}, namespace: team-${i % 20}}
automountServiceAccountToken: ${!hardened}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: ${name}, namespace: team-${i % 20}}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: ${name}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ${name}-egress, namespace: team-${i % 20}}
spec:
  podSelector: {matchLabels: {app: ${name}}}
  policyTypes: [Egress]
  egress:
    - ports: [{port: 53, protocol: UDP}]
`;
}

function composeFile(p: number): string {
  const services = Array.from({ length: 10 }, (_, s) => {
    const db = s === 9;
    return `  svc-${s}:
    <<: *hardening
    image: ${db ? 'postgres:16' : `registry.example.com/p${p}-s${s}:1.0@${DIGEST}`}
    user: "${db ? 'root' : '10001'}"
    environment:
      PORT: "80${s}0"
      DB_PASSWORD: \${DB_PASSWORD:-postgres}
    ports: ["${db ? '5432:5432' : `127.0.0.1:80${s}0:80${s}0`}"]
    depends_on: ${s === 0 ? '[]' : `{svc-${s - 1}: {condition: service_healthy}}`}
    healthcheck: {test: ["CMD", "true"], interval: 10s}
`;
  });
  return `x-hardening: &hardening
  read_only: true
  cap_drop: [ALL]
  security_opt: ["no-new-privileges:true"]
  restart: unless-stopped
  pids_limit: 256
  deploy: {resources: {limits: {cpus: "1", memory: 256M}}}
services:
${services.join('')}`;
}

const root = mkdtempSync(join(tmpdir(), 'bench-audit-'));
for (let i = 0; i < files; i++) {
  mkdirSync(join(root, 'k8s', `team-${i % 20}`), { recursive: true });
  writeFileSync(join(root, 'k8s', `team-${i % 20}`, `svc-${i}.yaml`), kubernetesFile(i));
}
for (let p = 0; p < projects; p++) {
  mkdirSync(join(root, 'compose', `p${p}`), { recursive: true });
  writeFileSync(join(root, 'compose', `p${p}`, 'compose.yaml'), composeFile(p));
}
const expectedObjects = files * 5 + projects * 10;

function yamlFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? yamlFiles(path) : [path];
  });
}

/** The floor: read every file and parse it into yaml Documents (no conversion, no checks). */
function bareParse(): number {
  let documents = 0;
  for (const file of yamlFiles(root)) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      if (doc.errors.length === 0) documents++;
    }
  }
  return documents;
}

function time<T>(fn: () => T): { ms: number; value: T } {
  const start = process.hrtime.bigint();
  const value = fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

let bestParse = Number.POSITIVE_INFINITY;
let bestAudit = Number.POSITIVE_INFINITY;
let findings = 0;
let objects = 0;
try {
  for (let round = 0; round < rounds; round++) {
    const parse = time(bareParse);
    bestParse = Math.min(bestParse, parse.ms);
    const run = time(() =>
      audit({ paths: [root], cwd: root, kubectl: false, today: '2026-01-01' }),
    );
    bestAudit = Math.min(bestAudit, run.ms);
    findings = run.value.findings.length;
    objects = run.value.objects;
    process.stderr.write(
      `round ${round + 1}: parse ${parse.ms.toFixed(0)} ms, audit ${run.ms.toFixed(0)} ms\n`,
    );
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

if (objects !== expectedObjects)
  throw new Error(`audited ${objects} objects, expected ${expectedObjects}`);
const parseRate = (expectedObjects / bestParse) * 1000;
const auditRate = (objects / bestAudit) * 1000;
const rows = [
  ['bare yaml parseAllDocuments (baseline)', bestParse, parseRate, 1],
  ['bulwark audit (parse + model + graph + checks)', bestAudit, auditRate, auditRate / parseRate],
] as const;
console.log(
  `corpus: ${files * 5} Kubernetes objects in ${files} files + ${projects * 10} compose services in ${projects} projects; best of ${rounds} rounds`,
);
console.log('| run | ms | objects/s | vs baseline |');
console.log('| --- | --: | --: | --: |');
for (const [name, ms, rate, ratio] of rows) {
  console.log(
    `| ${name} | ${ms.toFixed(0)} | ${Math.round(rate).toLocaleString('en-US')} | ${ratio.toFixed(2)}x |`,
  );
}
console.log(
  `findings: ${findings}; target >= 2,000 objects/s: ${auditRate >= 2000 ? 'met' : 'NOT met'}`,
);
