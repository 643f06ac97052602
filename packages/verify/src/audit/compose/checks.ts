import {
  isRootUser,
  isRuntimeSocket,
  latestImage,
  SENSITIVE_PORTS,
  secretLiteral,
  unpinnedImage,
  weakCredential,
} from '../conventions.js';
import { effectiveHealthcheck, effectiveUser, type Stage } from '../dockerfile/image.js';
import { FindingCollector } from '../findings.js';
import type { RawFinding } from '../model.js';
import { isObject, provenanceOf, type YamlObject } from '../yaml-tree.js';
import type { ComposeService } from './project.js';

export interface ComposeCheckContext {
  /** The Dockerfile stage a service with a local build context produces, when it can be read. */
  readonly buildStage: (service: ComposeService) => { stage: Stage; file: string } | undefined;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '[::1]']);
const RESTARTING = /^(always|unless-stopped|on-failure(:\d+)?)$/;

/**
 * Judges one compose service on its effective configuration: after interpolation, anchors, merges
 * and overrides, and with the user and health check it inherits from a locally built Dockerfile.
 */
export function checkComposeService(
  service: ComposeService,
  context: ComposeCheckContext,
): RawFinding[] {
  const findings = new FindingCollector(`service/${service.name}`, service.value, service.at);
  const svc = service.value;
  const build = context.buildStage(service);
  const label = `service ${service.name}`;

  checkUser(svc, build, label, findings);

  if (svc.read_only !== true)
    findings.report('BW-READONLY-ROOTFS', ['read_only'], `${label} has a writable root filesystem`);

  const capDrop = stringList(svc.cap_drop).map((c) => c.toUpperCase());
  const capAdd = stringList(svc.cap_add)
    .map((c) => c.toUpperCase())
    .filter((c) => c !== 'NET_BIND_SERVICE');
  if (!capDrop.includes('ALL'))
    findings.report('BW-CAPS-DROP-ALL', ['cap_drop'], `${label} does not drop ALL capabilities`);
  else if (capAdd.length > 0)
    findings.report('BW-CAPS-DROP-ALL', ['cap_add'], `${label} adds ${capAdd.join(', ')}`);

  const securityOpt = stringList(svc.security_opt).map((opt) => opt.replace(/\s/g, ''));
  const noNewPrivileges = securityOpt.some((opt) => /^no-new-privileges(?:[:=]true)?$/.test(opt));
  if (!noNewPrivileges)
    findings.report(
      'BW-NO-NEW-PRIVILEGES',
      ['security_opt'],
      `${label} does not set no-new-privileges:true`,
    );
  const unconfined = securityOpt.findIndex((opt) => /^seccomp[:=]unconfined$/.test(opt));
  if (unconfined >= 0)
    findings.report('BW-SECCOMP', ['security_opt', unconfined], `${label} disables seccomp`);

  if (svc.privileged === true)
    findings.report('BW-PRIVILEGED', ['privileged'], `${label} is privileged`);

  for (const key of ['network_mode', 'pid', 'ipc', 'uts', 'userns_mode']) {
    if (svc[key] === 'host') {
      findings.report(
        'BW-HOST-NAMESPACES',
        [key],
        `${label} uses the host namespace (${key}: host)`,
      );
      break;
    }
  }

  if (typeof svc.image === 'string' && svc.build === undefined) {
    const unpinned = unpinnedImage(svc.image);
    if (unpinned) findings.report('BW-IMAGE-DIGEST', ['image'], `${label}: ${unpinned}`);
    const latest = latestImage(svc.image);
    if (latest) findings.report('BW-IMAGE-LATEST', ['image'], `${label}: ${latest}`);
  }

  checkResources(svc, label, findings);
  checkHealth(svc, build, label, findings);
  checkRestart(svc, label, findings);
  checkDependsOn(svc, label, findings);
  checkPorts(svc, label, findings);
  checkVolumes(svc, label, findings);
  checkEnvironment(svc, label, findings);
  return findings.findings;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

function checkUser(
  svc: YamlObject,
  build: { stage: Stage; file: string } | undefined,
  label: string,
  findings: FindingCollector,
): void {
  if (svc.user !== undefined) {
    if (isRootUser(String(svc.user)))
      findings.report('BW-USER-NONROOT', ['user'], `${label} runs as ${String(svc.user)}`);
    return;
  }
  if (build) {
    const user = effectiveUser(build.stage);
    if (isRootUser(user.user)) {
      findings.report(
        'BW-USER-NONROOT',
        ['build'],
        `${label} sets no user: and its image (${build.file}) runs as root${user.instruction ? '' : ' (no USER instruction)'}`,
      );
    }
    return;
  }
  findings.report(
    'BW-USER-NONROOT',
    ['user'],
    typeof svc.image === 'string'
      ? `${label} sets no user: and runs as whatever user image ${svc.image} defaults to (root unless it says otherwise)`
      : `${label} sets no user:, so it runs as root`,
  );
}

function checkResources(svc: YamlObject, label: string, findings: FindingCollector): void {
  const deploy = isObject(svc.deploy) ? svc.deploy : {};
  const resources = isObject(deploy.resources) ? deploy.resources : {};
  const limits = isObject(resources.limits) ? resources.limits : {};
  const missing: string[] = [];
  if (limits.cpus === undefined && svc.cpus === undefined) missing.push('CPU limit');
  if (limits.memory === undefined && svc.mem_limit === undefined) missing.push('memory limit');
  if (missing.length > 0) {
    findings.report(
      'BW-RESOURCES',
      ['deploy', 'resources', 'limits'],
      `${label} has no ${missing.join(' or ')}`,
    );
  }
  if (svc.pids_limit === undefined && limits.pids === undefined) {
    findings.report('BW-PIDS-LIMIT', ['pids_limit'], `${label} has no pids limit`);
  }
}

function checkHealth(
  svc: YamlObject,
  build: { stage: Stage; file: string } | undefined,
  label: string,
  findings: FindingCollector,
): void {
  const healthcheck = svc.healthcheck;
  if (isObject(healthcheck)) {
    const test = Array.isArray(healthcheck.test)
      ? healthcheck.test.map(String)
      : [String(healthcheck.test ?? '')];
    if (healthcheck.disable === true || test[0] === 'NONE') {
      findings.report('BW-HEALTHCHECK', ['healthcheck'], `${label} disables its health check`);
    }
    return;
  }
  if (build && effectiveHealthcheck(build.stage).present) return;
  findings.report(
    'BW-HEALTHCHECK',
    ['healthcheck'],
    build
      ? `${label} has no healthcheck and its image (${build.file}) has no HEALTHCHECK`
      : `${label} has no healthcheck`,
  );
}

function checkRestart(svc: YamlObject, label: string, findings: FindingCollector): void {
  const deploy = isObject(svc.deploy) ? svc.deploy : {};
  const policy = isObject(deploy.restart_policy) ? deploy.restart_policy : undefined;
  if (policy && policy.condition !== 'none') return;
  if (typeof svc.restart === 'string' && RESTARTING.test(svc.restart)) return;
  findings.report(
    'BW-RESTART-POLICY',
    ['restart'],
    svc.restart === undefined
      ? `${label} has no restart policy`
      : `${label} has restart: ${String(svc.restart)}`,
  );
}

function checkDependsOn(svc: YamlObject, label: string, findings: FindingCollector): void {
  if (!isObject(svc.depends_on)) return;
  for (const [name, dependency] of Object.entries(svc.depends_on).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    const condition = isObject(dependency)
      ? String(dependency.condition ?? 'service_started')
      : 'service_started';
    if (condition !== 'service_healthy' && condition !== 'service_completed_successfully') {
      findings.report(
        'BW-DEPENDS-HEALTHY',
        ['depends_on', name],
        `${label} starts when ${name} has merely started (condition ${condition}), not when it is healthy`,
      );
    }
  }
}

interface PublishedPort {
  readonly hostIp?: string;
  readonly published?: string;
  readonly target: number;
}

/** Parses `[host_ip:][published:]target[/protocol]` and the long form. */
function parsePort(entry: unknown): PublishedPort | undefined {
  if (isObject(entry)) {
    return {
      hostIp: entry.host_ip === undefined ? undefined : String(entry.host_ip),
      published: entry.published === undefined ? undefined : String(entry.published),
      target: Number.parseInt(String(entry.target), 10),
    };
  }
  const text = String(entry).replace(/\/(tcp|udp|sctp)$/, '');
  const ipv6 = /^\[([^\]]+)\]:(.*)$/.exec(text);
  const parts = ipv6 ? [ipv6[1] as string, ...(ipv6[2] as string).split(':')] : text.split(':');
  const target = Number.parseInt(parts.at(-1) ?? '', 10);
  if (parts.length === 1) return { target };
  if (parts.length === 2) return { published: parts[0], target };
  return { hostIp: parts.slice(0, -2).join(':'), published: parts.at(-2), target };
}

function checkPorts(svc: YamlObject, label: string, findings: FindingCollector): void {
  const ports = Array.isArray(svc.ports) ? svc.ports : [];
  ports.forEach((entry, index) => {
    const port = parsePort(entry);
    if (!port) return;
    const service = SENSITIVE_PORTS.get(port.target);
    if (!service) return;
    const hostIp = port.hostIp ?? '0.0.0.0';
    if (LOOPBACK.has(hostIp)) return;
    findings.report(
      'BW-PORT-EXPOSED',
      ['ports', index],
      `${label} publishes the ${service} port ${port.target} on ${hostIp === '0.0.0.0' ? 'all interfaces' : hostIp}`,
    );
  });
}

function checkVolumes(svc: YamlObject, label: string, findings: FindingCollector): void {
  const volumes = Array.isArray(svc.volumes) ? svc.volumes : [];
  volumes.forEach((entry, index) => {
    const source = isObject(entry)
      ? String(entry.source ?? '')
      : (String(entry).split(':')[0] ?? '');
    if (isRuntimeSocket(source)) {
      findings.report(
        'BW-DOCKER-SOCKET',
        ['volumes', index],
        `${label} mounts the runtime socket ${source}`,
      );
    }
  });
}

function checkEnvironment(svc: YamlObject, label: string, findings: FindingCollector): void {
  const build = isObject(svc.build) ? svc.build : {};
  const sources: Array<[readonly (string | number)[], unknown]> = [
    [['environment'], svc.environment],
    [['build', 'args'], Array.isArray(build.args) ? undefined : build.args],
  ];
  for (const [path, env] of sources) {
    if (!isObject(env)) continue;
    for (const [name, raw] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
      if (raw === undefined || raw === null) continue;
      const value = String(raw);
      const provenance = provenanceOf(env, name);
      // A weak value is weak wherever it came from, even a .env file or a `:-` default.
      const weak = provenance === 'unset' ? undefined : weakCredential(name, value);
      if (weak) findings.report('BW-CREDENTIALS-DEFAULT', [...path, name], `${label}: ${weak}`);
      const literal = provenance === 'literal' ? secretLiteral(name, value) : undefined;
      if (literal)
        findings.report(
          'BW-SECRET-LITERAL',
          [...path, name],
          `${label}: ${literal}; use compose secrets or a variable supplied at deploy time`,
        );
    }
  }
}
