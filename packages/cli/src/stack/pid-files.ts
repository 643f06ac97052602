import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * `.bulwark/state/pids/<service>.pid` beside the stack file: the process id of each service `up`
 * runs, so a plan's `control.pidFile` can point a drill at it. Written when a process is spawned
 * (again on each restart), removed when that process exits, so the file never names a process
 * that has gone (whose id the system could hand to another).
 */
export class PidFiles {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
  }

  pathOf(service: string): string {
    return join(this.dir, `${service}.pid`);
  }

  /** Written to a temporary file and renamed over, so a reader never sees half a number. */
  write(service: string, pid: number): void {
    const file = this.pathOf(service);
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${pid}\n`);
    renameSync(temporary, file);
  }

  /** Removes the service's file if it still names `pid` (a restart may already have replaced it). */
  remove(service: string, pid: number): void {
    const file = this.pathOf(service);
    try {
      if (readFileSync(file, 'utf8').trim() === String(pid)) unlinkSync(file);
    } catch {
      // Already gone: nothing to remove.
    }
  }
}

export function defaultPidDir(stackFile: string): string {
  return join(dirname(resolve(stackFile)), '.bulwark', 'state', 'pids');
}
