import { SERVICE_METRIC_FAMILIES, WORKER_METRIC_FAMILIES } from '@bulwark/kit/contract';
import {
  HttpProbeClient,
  type ProbeContext,
  runMetricsCheck,
  runReachableCheck,
  runSampledCheck,
  runTraceCheck,
  SAMPLED_CHECKS,
} from '@bulwark/verify';
import { buildReport, type CheckResult, type ProbeReport, type TargetReport } from './report.js';

export interface ProbeOptions {
  readonly samples: number;
  readonly p95LimitMs: number;
  readonly timeoutMs: number;
  /** Check a kit worker's ops port: the worker metric families, and no trace check. */
  readonly worker: boolean;
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
  const client = new HttpProbeClient({ timeoutMs: options.timeoutMs });
  try {
    const reports: TargetReport[] = [];
    for (const target of targets) reports.push(await probeTarget(client, target, options));
    return buildReport(reports);
  } finally {
    await client.close();
  }
}

async function probeTarget(
  client: HttpProbeClient,
  target: URL,
  options: ProbeOptions,
): Promise<TargetReport> {
  const url = target.href;
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
  // A worker's ops port is not on any request path, so it has no trace to continue.
  if (!options.worker) checks.push(await runTraceCheck(ctx));
  return { url, reachable: true, checks };
}
