import { describe, expect, it } from 'vitest';
import { auditProject, ids, only } from './helpers.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

/** A pod template that passes every container-level control unless a test changes it. */
function deployment(pod: string, container = '', extra = ''): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
    spec:
${pod}
      containers:
        - name: app
          image: registry.example.com/web:1.0@${DIGEST}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
${container}
          resources:
            limits: {cpu: 500m, memory: 128Mi}
          startupProbe: {httpGet: {path: /startup, port: 8080}}
          readinessProbe: {httpGet: {path: /ready, port: 8080}}
          livenessProbe: {httpGet: {path: /live, port: 8080}}
${extra}`;
}

const POD_NONROOT = `      securityContext:
        runAsNonRoot: true
        seccompProfile: {type: RuntimeDefault}`;

describe('Kubernetes: the effective configuration is judged, not the literal fields', () => {
  it('inherits runAsNonRoot and seccomp from the pod securityContext (kube-score, Checkov, kube-linter miss this)', () => {
    const report = auditProject({ 'app.yaml': deployment(POD_NONROOT) });
    expect(ids(report)).not.toContain('BW-USER-NONROOT');
    expect(ids(report)).not.toContain('BW-SECCOMP');
  });

  it('a container override to uid 0 beats the pod-level runAsNonRoot, and is located on the override', () => {
    const report = auditProject({
      'app.yaml': deployment(POD_NONROOT, '            runAsUser: 0'),
    });
    const [finding] = only(report, 'BW-USER-NONROOT');
    expect(finding?.message).toContain('uid 0');
    expect(finding?.path).toBe('spec.template.spec.containers[0].securityContext.runAsUser');
    expect(finding?.location).toMatchObject({ file: 'app.yaml', line: 23, column: 13 });
  });

  it('a pod-level runAsUser: 0 is inherited by the container and located on the pod key', () => {
    const report = auditProject({
      'app.yaml': deployment(
        `      securityContext:\n        runAsUser: 0\n        seccompProfile: {type: RuntimeDefault}`,
      ),
    });
    const [finding] = only(report, 'BW-USER-NONROOT');
    expect(finding?.path).toBe('spec.template.spec.securityContext.runAsUser');
    expect(finding?.location.line).toBe(14);
  });

  it('applies Kubernetes defaults: no allowPrivilegeEscalation means escalation is allowed, no seccomp means Unconfined', () => {
    const report = auditProject({
      'app.yaml': deployment('      securityContext: {runAsNonRoot: true}').replace(
        '            allowPrivilegeEscalation: false\n',
        '',
      ),
    });
    expect(ids(report)).toEqual(expect.arrayContaining(['BW-NO-NEW-PRIVILEGES', 'BW-SECCOMP']));
    expect(only(report, 'BW-NO-NEW-PRIVILEGES')[0]?.message).toContain('by default');
  });

  it('defaults a missing request to the limit, as the API server does', () => {
    const report = auditProject({ 'app.yaml': deployment(POD_NONROOT) });
    expect(ids(report)).not.toContain('BW-RESOURCES');
  });

  it('judges initContainers and ephemeralContainers too, one finding per resource naming every container', () => {
    const init = `      initContainers:
        - name: migrate
          image: registry.example.com/migrate:1.0@${DIGEST}
          securityContext: {privileged: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
          resources: {limits: {cpu: 100m, memory: 64Mi}}
      ephemeralContainers:
        - name: debug
          image: busybox
          securityContext: {privileged: true}`;
    const report = auditProject({ 'app.yaml': deployment(`${POD_NONROOT}\n${init}`) });
    const privileged = only(report, 'BW-PRIVILEGED');
    expect(privileged).toHaveLength(1);
    expect(privileged[0]?.message).toContain('initContainer migrate');
    expect(privileged[0]?.message).toContain('ephemeralContainer debug');
    // Init containers run once: no probes demanded of them; ephemeral containers cannot have resources.
    expect(only(report, 'BW-HEALTHCHECK')).toEqual([]);
    expect(only(report, 'BW-RESOURCES')).toEqual([]);
    expect(only(report, 'BW-IMAGE-LATEST')[0]?.message).toContain('busybox');
  });

  it('reads multi-document files and List kinds, locating items inside the List', () => {
    const list = `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata: {name: a}
    spec:
      hostNetwork: true
      containers: [{name: c, image: nginx}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {privileged: "true"}
`;
    const report = auditProject({ 'list.yaml': list });
    const [finding] = only(report, 'BW-HOST-NAMESPACES');
    expect(finding?.resource).toBe('Pod/default/a');
    expect(finding?.path).toBe('items[0].spec.hostNetwork');
    expect(finding?.location.line).toBe(8);
    expect(report.findings.some((f) => f.resource.startsWith('ConfigMap'))).toBe(false);
  });

  it('does not apply checks to the wrong kinds', () => {
    const job = `apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: run, image: "registry.example.com/job:1@${DIGEST}"}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: "registry.example.com/agent:1@${DIGEST}"}]
`;
    const report = auditProject({ 'kinds.yaml': job });
    // Jobs have no probes; DaemonSets have no replica count to protect with a PDB or spread.
    expect(ids(report, 'CronJob/default/nightly')).not.toContain('BW-HEALTHCHECK');
    expect(ids(report, 'CronJob/default/nightly')).toContain('BW-USER-NONROOT');
    expect(only(report, 'BW-PDB')).toEqual([]);
    expect(only(report, 'BW-HA-SPREAD')).toEqual([]);
    expect(only(report, 'BW-USER-NONROOT')[0]?.path).toMatch(
      /^spec\.jobTemplate\.spec\.template\.spec\.containers\[0\]/,
    );
  });
});

describe('Kubernetes: the cross-object graph spans files', () => {
  const sa =
    'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web, namespace: shop}\nautomountServiceAccountToken: false\n';
  const denyEgress =
    'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n';

  it('finds the ServiceAccount and the default-deny egress NetworkPolicy in other files', () => {
    const app = deployment(`      serviceAccountName: web\n${POD_NONROOT}`);
    const without = auditProject({ 'app.yaml': app });
    expect(ids(without)).toEqual(expect.arrayContaining(['BW-NETPOL-EGRESS', 'BW-SA-TOKEN']));
    const withGraph = auditProject({
      'app.yaml': app,
      'rbac/sa.yaml': sa,
      'net/policy.yaml': denyEgress,
    });
    expect(ids(withGraph)).not.toContain('BW-SA-TOKEN');
    expect(ids(withGraph)).not.toContain('BW-NETPOL-EGRESS');
  });

  it('a NetworkPolicy in another namespace, one selecting other pods, or one allowing all egress does not count', () => {
    const app = deployment(POD_NONROOT);
    const otherNamespace = denyEgress.replace('namespace: shop', 'namespace: other');
    const otherPods = denyEgress.replace(
      'podSelector: {}',
      'podSelector: {matchLabels: {app: api}}',
    );
    const allowAll = `${denyEgress}  egress:\n    - {}\n`;
    for (const policy of [otherNamespace, otherPods, allowAll]) {
      expect(ids(auditProject({ 'app.yaml': app, 'policy.yaml': policy }))).toContain(
        'BW-NETPOL-EGRESS',
      );
    }
    const dnsOnly = `${denyEgress}  egress:\n    - ports: [{port: 53, protocol: UDP}]\n`;
    expect(ids(auditProject({ 'app.yaml': app, 'policy.yaml': dnsOnly }))).not.toContain(
      'BW-NETPOL-EGRESS',
    );
  });

  it('a pod that sets automountServiceAccountToken: true is flagged even when its ServiceAccount says false', () => {
    const app = deployment(
      `      serviceAccountName: web\n      automountServiceAccountToken: true\n${POD_NONROOT}`,
    );
    const report = auditProject({ 'app.yaml': app, 'sa.yaml': sa });
    expect(only(report, 'BW-SA-TOKEN')[0]?.message).toContain('mounts its service account token');
  });

  it('counts an HPA minReplicas as the replica count for PDB and spread', () => {
    const app = deployment(POD_NONROOT);
    const hpa =
      'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web, namespace: shop}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  minReplicas: 3\n  maxReplicas: 6\n';
    expect(ids(auditProject({ 'app.yaml': app }))).not.toContain('BW-PDB');
    const report = auditProject({ 'app.yaml': app, 'hpa.yaml': hpa });
    expect(only(report, 'BW-PDB')[0]?.message).toContain('3 replicas');
    expect(ids(report)).toContain('BW-HA-SPREAD');
    const pdb =
      'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web, namespace: shop}\nspec:\n  maxUnavailable: 1\n  selector:\n    matchExpressions: [{key: app, operator: In, values: [web]}]\n';
    expect(ids(auditProject({ 'app.yaml': app, 'hpa.yaml': hpa, 'pdb.yaml': pdb }))).not.toContain(
      'BW-PDB',
    );
  });
});
