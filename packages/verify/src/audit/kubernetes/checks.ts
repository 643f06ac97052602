import { isDeepStrictEqual } from 'node:util';
import {
  isRootUser,
  isRuntimeSocket,
  latestImage,
  SENSITIVE_PORTS,
  secretLiteral,
  unpinnedImage,
  weakCredential,
} from '../conventions.js';
import { FindingCollector } from '../findings.js';
import type { RawFinding } from '../model.js';
import { isObject, type PathSegment, type YamlObject } from '../yaml-tree.js';
import { isolatesEgress, type KubeGraph } from './graph.js';
import type { KubeObject } from './objects.js';
import { asWorkload, type ContainerRef, type Workload } from './workloads.js';

/**
 * Judges one Kubernetes object against the catalogue, on its effective configuration: container
 * securityContext fields fall back to the pod's, unset fields take the Kubernetes defaults
 * (privilege escalation allowed, seccomp Unconfined, token automounted, requests = limits), and
 * cross-object controls consult the graph of the whole input set.
 */
export function checkKubeObject(object: KubeObject, graph: KubeGraph): RawFinding[] {
  const findings = new FindingCollector(
    object.resource,
    object.locateIn ?? object.value,
    object.at,
    object.pathPrefix,
  );
  if (object.kind === 'Service') checkService(object, findings);
  const workload = asWorkload(object);
  if (workload) checkWorkload(workload, graph, findings);
  return findings.findings;
}

const HANDLERS = ['httpGet', 'tcpSocket', 'exec', 'grpc'] as const;

function checkService(object: KubeObject, findings: FindingCollector): void {
  const spec = isObject(object.value.spec) ? object.value.spec : {};
  const type = String(spec.type ?? 'ClusterIP');
  if (type !== 'NodePort' && type !== 'LoadBalancer') return;
  const ports = Array.isArray(spec.ports) ? spec.ports : [];
  ports.forEach((port, index) => {
    if (!isObject(port)) return;
    // A named targetPort says nothing about the number; the service port still might.
    const number = [port.targetPort, port.port].map(Number).find((n) => SENSITIVE_PORTS.has(n));
    const service = number === undefined ? undefined : SENSITIVE_PORTS.get(number);
    if (service) {
      findings.report(
        'BW-PORT-EXPOSED',
        ['spec', 'ports', index],
        `Service of type ${type} exposes the ${service} port ${number} outside the cluster`,
      );
    }
  });
}

/** A field of the container's securityContext, falling back to the pod's where Kubernetes does. */
interface Effective {
  readonly value: unknown;
  readonly path: readonly PathSegment[];
}

function effectiveField(workload: Workload, container: ContainerRef, field: string): Effective {
  const own = isObject(container.spec.securityContext) ? container.spec.securityContext : {};
  if (own[field] !== undefined) {
    return { value: own[field], path: [...container.path, 'securityContext', field] };
  }
  const pod = isObject(workload.podSpec.securityContext) ? workload.podSpec.securityContext : {};
  if (pod[field] !== undefined) {
    return { value: pod[field], path: [...workload.podSpecPath, 'securityContext', field] };
  }
  return { value: undefined, path: [...container.path, 'securityContext', field] };
}

function securityContext(container: ContainerRef): YamlObject {
  return isObject(container.spec.securityContext) ? container.spec.securityContext : {};
}

/** One finding per resource and control: the first offending container locates it, all are named. */
class PerContainer {
  private readonly hits = new Map<string, { path: readonly PathSegment[]; messages: string[] }>();

  add(controlId: string, path: readonly PathSegment[], message: string): void {
    const hit = this.hits.get(controlId);
    if (hit) hit.messages.push(message);
    else this.hits.set(controlId, { path, messages: [message] });
  }

  flush(findings: FindingCollector): void {
    for (const [controlId, hit] of this.hits) {
      findings.report(controlId, hit.path, hit.messages.join('; '));
    }
  }
}

function checkWorkload(workload: Workload, graph: KubeGraph, findings: FindingCollector): void {
  const per = new PerContainer();
  for (const container of workload.containers) {
    checkContainerSecurity(workload, container, per);
    checkContainerOperability(workload, container, per);
    checkEnvironment(container, per);
  }
  per.flush(findings);
  checkPod(workload, graph, findings);
}

function checkContainerSecurity(
  workload: Workload,
  container: ContainerRef,
  per: PerContainer,
): void {
  const label = `${container.group === 'containers' ? 'container' : container.group.replace(/s$/, '')} ${container.name}`;
  const runAsUser = effectiveField(workload, container, 'runAsUser');
  const runAsNonRoot = effectiveField(workload, container, 'runAsNonRoot');
  if (
    runAsUser.value === 0 ||
    (typeof runAsUser.value === 'string' && isRootUser(runAsUser.value))
  ) {
    per.add('BW-USER-NONROOT', runAsUser.path, `${label} runs as uid 0`);
  } else if (
    !(typeof runAsUser.value === 'number' && runAsUser.value > 0) &&
    runAsNonRoot.value !== true
  ) {
    per.add(
      'BW-USER-NONROOT',
      runAsNonRoot.path,
      `${label} may run as root: neither it nor the pod sets runAsNonRoot: true or a non-zero runAsUser`,
    );
  }

  const context = securityContext(container);
  const contextPath = [...container.path, 'securityContext'];
  if (context.readOnlyRootFilesystem !== true) {
    per.add(
      'BW-READONLY-ROOTFS',
      [...contextPath, 'readOnlyRootFilesystem'],
      `${label} has a writable root filesystem`,
    );
  }

  const capabilities = isObject(context.capabilities) ? context.capabilities : {};
  const drop = Array.isArray(capabilities.drop)
    ? capabilities.drop.map((c) => String(c).toUpperCase())
    : [];
  const add = Array.isArray(capabilities.add)
    ? capabilities.add.map((c) => String(c).toUpperCase())
    : [];
  const extra = add.filter((capability) => capability !== 'NET_BIND_SERVICE');
  if (!drop.includes('ALL')) {
    per.add(
      'BW-CAPS-DROP-ALL',
      [...contextPath, 'capabilities', 'drop'],
      `${label} does not drop ALL capabilities`,
    );
  } else if (extra.length > 0) {
    per.add(
      'BW-CAPS-DROP-ALL',
      [...contextPath, 'capabilities', 'add'],
      `${label} adds ${extra.join(', ')}`,
    );
  }

  if (context.privileged === true) {
    per.add('BW-PRIVILEGED', [...contextPath, 'privileged'], `${label} is privileged`);
  }
  if (context.allowPrivilegeEscalation !== false) {
    per.add(
      'BW-NO-NEW-PRIVILEGES',
      [...contextPath, 'allowPrivilegeEscalation'],
      context.allowPrivilegeEscalation === true
        ? `${label} allows privilege escalation`
        : `${label} allows privilege escalation by default (allowPrivilegeEscalation is not false)`,
    );
  }

  const seccomp = effectiveField(workload, container, 'seccompProfile');
  const seccompType = isObject(seccomp.value) ? seccomp.value.type : undefined;
  if (seccompType !== 'RuntimeDefault' && seccompType !== 'Localhost') {
    per.add(
      'BW-SECCOMP',
      seccompType === undefined ? seccomp.path : [...seccomp.path, 'type'],
      seccompType === undefined
        ? `${label} runs Unconfined: no seccompProfile on the container or the pod`
        : `${label} uses seccomp profile ${String(seccompType)}`,
    );
  }

  if (typeof container.spec.image === 'string') {
    const unpinned = unpinnedImage(container.spec.image);
    if (unpinned) per.add('BW-IMAGE-DIGEST', [...container.path, 'image'], `${label}: ${unpinned}`);
    const latest = latestImage(container.spec.image);
    if (latest) per.add('BW-IMAGE-LATEST', [...container.path, 'image'], `${label}: ${latest}`);
  }

  const ports = Array.isArray(container.spec.ports) ? container.spec.ports : [];
  ports.forEach((port, index) => {
    if (!isObject(port) || port.hostPort === undefined) return;
    const service = SENSITIVE_PORTS.get(Number(port.containerPort));
    const hostIp = String(port.hostIP ?? '0.0.0.0');
    if (service && hostIp !== '127.0.0.1') {
      per.add(
        'BW-PORT-EXPOSED',
        [...container.path, 'ports', index, 'hostPort'],
        `${label} publishes the ${service} port on the node (hostPort ${String(port.hostPort)})`,
      );
    }
  });
}

function checkContainerOperability(
  workload: Workload,
  container: ContainerRef,
  per: PerContainer,
): void {
  // Ephemeral containers are debugging sessions: Kubernetes forbids resources and probes on them.
  if (container.group === 'ephemeralContainers') return;
  const label = `${container.group === 'containers' ? 'container' : 'initContainer'} ${container.name}`;
  const resources = isObject(container.spec.resources) ? container.spec.resources : {};
  const limits = isObject(resources.limits) ? resources.limits : {};
  const requests = isObject(resources.requests) ? resources.requests : {};
  const missing: string[] = [];
  for (const resource of ['cpu', 'memory']) {
    // Kubernetes defaults a missing request to the limit.
    if (requests[resource] === undefined && limits[resource] === undefined)
      missing.push(`requests.${resource}`);
    if (limits[resource] === undefined) missing.push(`limits.${resource}`);
  }
  if (missing.length > 0) {
    const where = limits.cpu === undefined || limits.memory === undefined ? 'limits' : 'requests';
    per.add(
      'BW-RESOURCES',
      [...container.path, 'resources', where],
      `${label} has no ${missing.join(', ')}`,
    );
  }

  // Probes belong to processes that serve until stopped: not to Jobs, not to run-once init containers.
  if (!workload.longRunning || !container.longRunning) return;
  const readiness = container.spec.readinessProbe;
  const liveness = container.spec.livenessProbe;
  const absent = [
    readiness === undefined ? 'readinessProbe' : undefined,
    liveness === undefined ? 'livenessProbe' : undefined,
  ].filter((name): name is string => name !== undefined);
  if (absent.length > 0) {
    per.add(
      'BW-HEALTHCHECK',
      [...container.path, absent[0] as string],
      `${label} has no ${absent.join(' or ')}`,
    );
  }
  if (container.spec.startupProbe === undefined) {
    per.add(
      'BW-PROBE-STARTUP',
      [...container.path, 'startupProbe'],
      `${label} has no startupProbe`,
    );
  }
  if (isObject(readiness) && isObject(liveness)) {
    const handler = (probe: YamlObject) => HANDLERS.map((name) => probe[name]);
    if (isDeepStrictEqual(handler(readiness), handler(liveness))) {
      per.add(
        'BW-PROBE-DISTINCT',
        [...container.path, 'livenessProbe'],
        `${label} uses the same check for liveness and readiness`,
      );
    }
  }
}

function checkEnvironment(container: ContainerRef, per: PerContainer): void {
  const env = Array.isArray(container.spec.env) ? container.spec.env : [];
  env.forEach((entry, index) => {
    if (!isObject(entry) || typeof entry.name !== 'string' || entry.value === undefined) return;
    const value = String(entry.value);
    const path = [...container.path, 'env', index, 'value'];
    // $(VAR) is Kubernetes' own reference syntax, resolved from other env entries.
    if (/^\$\([A-Za-z_][A-Za-z0-9_]*\)$/.test(value)) return;
    const weak = weakCredential(entry.name, value);
    if (weak) per.add('BW-CREDENTIALS-DEFAULT', path, `container ${container.name}: ${weak}`);
    const literal = secretLiteral(entry.name, value);
    if (literal)
      per.add(
        'BW-SECRET-LITERAL',
        path,
        `container ${container.name}: ${literal}; use valueFrom.secretKeyRef`,
      );
  });
  for (const field of ['args', 'command'] as const) {
    const list = Array.isArray(container.spec[field]) ? (container.spec[field] as unknown[]) : [];
    list.forEach((arg, index) => {
      const match = /^--?([A-Za-z][\w-]*)=(.+)$/.exec(String(arg));
      if (!match) return;
      const name = (match[1] ?? '').replace(/-/g, '_');
      const literal = secretLiteral(name, match[2] ?? '');
      if (literal) {
        per.add(
          'BW-SECRET-LITERAL',
          [...container.path, field, index],
          `container ${container.name}: ${field} ${literal}`,
        );
      }
    });
  }
}

function checkPod(workload: Workload, graph: KubeGraph, findings: FindingCollector): void {
  const pod = workload.podSpec;
  const podPath = workload.podSpecPath;
  const shared = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter(
    (field) => pod[field] === true,
  );
  if (shared.length > 0) {
    findings.report(
      'BW-HOST-NAMESPACES',
      [...podPath, shared[0] as string],
      `pod shares the host's ${shared.join(', ')}`,
    );
  }

  const volumes = Array.isArray(pod.volumes) ? pod.volumes : [];
  volumes.forEach((volume, index) => {
    if (!isObject(volume) || !isObject(volume.hostPath)) return;
    const path = String(volume.hostPath.path ?? '');
    if (isRuntimeSocket(path)) {
      findings.report(
        'BW-DOCKER-SOCKET',
        [...podPath, 'volumes', index, 'hostPath', 'path'],
        `pod mounts the runtime socket ${path}`,
      );
    }
  });

  const namespace = workload.object.namespace;
  const accountName = String(pod.serviceAccountName ?? pod.serviceAccount ?? 'default');
  if (pod.automountServiceAccountToken !== false) {
    const account = graph.serviceAccount(namespace, accountName);
    const accountSetting = account?.value.automountServiceAccountToken;
    if (pod.automountServiceAccountToken === true) {
      findings.report(
        'BW-SA-TOKEN',
        [...podPath, 'automountServiceAccountToken'],
        'pod mounts its service account token',
      );
    } else if (accountSetting !== false) {
      findings.report(
        'BW-SA-TOKEN',
        [...podPath, 'automountServiceAccountToken'],
        account
          ? `ServiceAccount ${accountName} does not set automountServiceAccountToken: false, and neither does the pod`
          : `ServiceAccount ${accountName} is not in the input and the pod does not set automountServiceAccountToken: false`,
      );
    }
  }

  const policies = graph.networkPolicies(workload);
  if (!policies.some(isolatesEgress)) {
    findings.report(
      'BW-NETPOL-EGRESS',
      ['metadata', 'name'],
      policies.length === 0
        ? `no NetworkPolicy in namespace ${namespace} selects these pods, so egress is open`
        : `NetworkPolicies ${policies.map((p) => p.name).join(', ')} select these pods but none denies egress by default`,
    );
  }

  if (workload.replicated) {
    const replicas = graph.effectiveReplicas(workload);
    if (replicas > 1) {
      if (graph.disruptionBudgets(workload).length === 0) {
        findings.report(
          'BW-PDB',
          ['spec', 'replicas'],
          `${replicas} replicas and no PodDisruptionBudget selects them`,
        );
      }
      const affinity = isObject(pod.affinity) ? pod.affinity : {};
      const spread =
        Array.isArray(pod.topologySpreadConstraints) && pod.topologySpreadConstraints.length > 0;
      if (!spread && affinity.podAntiAffinity === undefined) {
        findings.report(
          'BW-HA-SPREAD',
          [...podPath, 'topologySpreadConstraints'],
          `${replicas} replicas with no topologySpreadConstraints or podAntiAffinity`,
        );
      }
    }
  }
}
