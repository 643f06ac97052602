import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

/**
 * The reference stack for a benchmark: `bulwark up --no-probe` from `dir` (so its state, keys
 * and pid files land there), on consecutive ports from `portBase`; resolves once it serves.
 */
export async function startReferenceStack(dir: string, portBase: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'packages/cli/bin/bulwark.mjs'),
      'up',
      '--stack',
      join(ROOT, 'bulwark.stack.yaml'),
      '--port-base',
      String(portBase),
      '--no-probe',
    ],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
  );
  let stderr = '';
  await new Promise<void>((done, fail) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('press Ctrl-C to stop')) done();
    });
    child.once('exit', (code) => fail(new Error(`bulwark up exited ${code}:\n${stderr}`)));
  });
  return child;
}
