/*
 * The link between a kit process and a supervisor that started it (`bulwark up`). Dependency-free
 * (exported as `@bulwark/kit/supervisor-link`), so the supervisor reads the same definitions.
 *
 * The supervisor spawns the process with an IPC channel (Node's `stdio: [..., 'ipc']`) and sets
 * PARENT_WATCH_ENV=1. The process then
 *   - reports the port it bound, so the supervisor knows that what answers on that port is the
 *     process it started and not another one that held the port first;
 *   - treats the channel's closing as the loss of its supervisor: when the supervisor dies
 *     (even by SIGKILL, which it cannot catch), the operating system closes its end of the
 *     channel, and the process runs its own phased shutdown instead of running on orphaned.
 */

export const PARENT_WATCH_ENV = 'BULWARK_PARENT_WATCH';

/** Sent once, right after the process bound its port and before its startup steps run. */
export interface ListeningReport {
  readonly type: 'bulwark:listening';
  readonly pid: number;
  readonly port: number;
}

export function isListeningReport(message: unknown): message is ListeningReport {
  if (typeof message !== 'object' || message === null) return false;
  const m = message as Record<string, unknown>;
  return m.type === 'bulwark:listening' && Number.isInteger(m.pid) && Number.isInteger(m.port);
}

/** True when the environment asks for the link and the process has a channel to its parent. */
export function supervisedBy(env: NodeJS.ProcessEnv): 'parent' | 'none' | 'no-channel' {
  if (env[PARENT_WATCH_ENV] !== '1') return 'none';
  return typeof process.send === 'function' ? 'parent' : 'no-channel';
}

/** Tells the supervisor which port this process bound. A closed channel is not an error. */
export function reportListening(port: number): void {
  if (typeof process.send !== 'function' || !process.connected) return;
  const report: ListeningReport = { type: 'bulwark:listening', pid: process.pid, port };
  process.send(report, undefined, undefined, () => undefined);
}

/**
 * Calls `onLost` once when the channel to the parent closes (or at once if it already has).
 * Returns a function that stops watching; it must be called when the process is done, because
 * a 'disconnect' listener keeps the channel, and so the process, alive.
 */
export function watchParent(onLost: () => void): () => void {
  if (!process.connected) {
    queueMicrotask(onLost);
    return () => undefined;
  }
  process.once('disconnect', onLost);
  return () => {
    process.off('disconnect', onLost);
  };
}
