import { readFile } from 'node:fs/promises';

/** Why a drill could not find or signal its process: a fail with this one-line message. */
export class DrillTargetError extends Error {
  readonly code = 'BW_DRILL_TARGET';
}

/** The process id in a PID file (first line, decimal), checked to be a running process. */
export async function readPidFile(path: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new DrillTargetError(
      `cannot read pid file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  const first = text.split('\n')[0]?.trim() ?? '';
  const pid = Number(first);
  // 0 and 1 would signal a process group or init: never a service's own process.
  if (!/^\d+$/.test(first) || pid <= 1 || pid > 4_194_304) {
    throw new DrillTargetError(`pid file ${path} does not hold a process id`);
  }
  if (!isRunning(pid)) throw new DrillTargetError(`process ${pid} (from ${path}) is not running`);
  return pid;
}

/** Signal 0 probes for the process without touching it; EPERM means it exists but is not ours. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DrillTargetError(
      code === 'EPERM'
        ? `not permitted to signal process ${pid}`
        : `cannot signal process ${pid}: ${code ?? String(error)}`,
    );
  }
}
