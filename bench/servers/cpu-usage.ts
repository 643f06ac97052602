// The bench:kit servers' CPU report over IPC: the bench sends the request, the preloaded
// reporter (cpu-usage-reporter.ts) answers with process.cpuUsage(), in microseconds.
export const CPU_USAGE_REQUEST = 'bench:cpu-usage';

export interface CpuUsageReport {
  readonly type: typeof CPU_USAGE_REQUEST;
  readonly user: number;
  readonly system: number;
}

export function isCpuUsageReport(message: unknown): message is CpuUsageReport {
  if (typeof message !== 'object' || message === null) return false;
  const m = message as Record<string, unknown>;
  return m.type === CPU_USAGE_REQUEST && typeof m.user === 'number' && typeof m.system === 'number';
}
