// Preloaded into every bench:kit server (node --import): answers the bench's request for this
// process's CPU time over the IPC channel the bench opens, so the CPU per request is read from
// process.cpuUsage() (microseconds, every thread, the pool's crypto work included) without a
// route on the server, which would itself be part of what is measured.
import { CPU_USAGE_REQUEST, type CpuUsageReport } from './cpu-usage.js';

if (typeof process.send === 'function') {
  process.on('message', (message) => {
    if (message !== CPU_USAGE_REQUEST) return;
    const { user, system } = process.cpuUsage();
    const report: CpuUsageReport = { type: CPU_USAGE_REQUEST, user, system };
    process.send?.(report);
  });
  // The channel must not keep the server alive: a server that fails to start still exits.
  process.channel?.unref();
}
