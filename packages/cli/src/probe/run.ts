import { SERVICE_METRIC_FAMILIES, WORKER_METRIC_FAMILIES } from '@bulwark/kit/contract';
import {
  createServiceTarget,
  HttpProbeClient,
  type ProbeContext,
  runMetricsCheck,
  runReachableCheck,
  runSampledCheck,
  runSecurityProbeChecks,
  runTraceCheck,
  SAMPLED_CHECKS,
  type ServiceAccessSpec,
} from '@bulwark/verify';
import { buildReport, type CheckResult, type ProbeReport, type TargetReport } from './report.js';

export interface ProbeOptions {
  readonly samples: number;
  readonly p95LimitMs: number;
  readonly timeoutMs: number;
  /** Check a kit worker's ops port: the worker metric families, and no trace check. */
  readonly worker: boolean;
  /** The CA to trust and the credentials to send, as files (read when the probe starts). */
  readonly access?: ServiceAccessSpec;
  /** The security checks after the contract's; none with `contractOnly` or for a worker. */
  readonly security?: {
    readonly contractOnly: boolean;
    readonly apiPath?: string;
    readonly auth: boolean;
    readonly rateLimitPath?: string;
    readonly redirectFrom?: string;
  };
  readonly progress?: (message: string) => void;
}

/**
 * Probes each target in turn (never in parallel, so one target's load cannot skew another's
 * latencies). Every failure mode ends up in the report; this function does not throw.
 */
export async function probeTargets(
  targets: readonly URL[],
  options: ProbeOptions,
): Promise<ProbeReport> {
  const root = new HttpProbeClient({ timeoutMs: options.timeoutMs });
  try {
    const reports: TargetReport[] = [];
    for (const target of targets) reports.push(await probeTarget(root, target, options));
    return buildReport(reports);
  } finally {
    await root.close();
  }
}

async function probeTarget(
  root: HttpProbeClient,
  target: URL,
  options: ProbeOptions,
): Promise<TargetReport> {
  const url = target.href;
  // The target's own client: the CA it is trusted by, and its credentials for API paths (never
  // for the probe endpoints). The command has read the files once already, so this does not throw.
  const service = createServiceTarget(
    { name: 'probe-target', url, kind: options.worker ? 'worker' : 'http', ...options.access },
    { client: root, baseDir: process.cwd(), signal: new AbortController().signal },
  );
  const client = service.client;
  const progress = (message: string) => options.progress?.(`${url} ${message}`);
  progress('connecting');
  // This exchange also opens the keep-alive connection the samples reuse, so connection setup
  // does not land in the measured latencies.
  const reachable = await runReachableCheck(client, target);
  if (reachable.unreachable) return { url, reachable: false, checks: [reachable.result] };
  const ctx: ProbeContext = {
    client,
    base: target,
    samples: options.samples,
    p95LimitMs: options.p95LimitMs,
    families: options.worker ? WORKER_METRIC_FAMILIES : SERVICE_METRIC_FAMILIES,
    progress,
  };
  const checks: CheckResult[] = [reachable.result];
  for (const check of SAMPLED_CHECKS) checks.push(await runSampledCheck(ctx, check));
  checks.push(await runMetricsCheck(ctx));
  // A worker's ops port is not on any request path, so it has no trace to continue, and it
  // serves only the probes, so there is no API to secure.
  if (!options.worker) checks.push(await runTraceCheck(ctx));
  const security = options.security;
  if (!options.worker && security && !security.contractOnly) {
    checks.push(
      ...(await runSecurityProbeChecks(service, {
        ...(security.apiPath === undefined ? {} : { apiPath: security.apiPath }),
        auth: security.auth,
        ...(security.rateLimitPath === undefined ? {} : { rateLimitPath: security.rateLimitPath }),
        ...(security.redirectFrom === undefined ? {} : { redirectFrom: security.redirectFrom }),
        progress,
      })),
    );
  }
  return { url, reachable: true, checks };
}
