import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { ReleaseError } from '../errors.js';

const MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

/** Runs git in `cwd` and returns its standard output; a failure is a one-line BW_RELEASE_GIT. */
export function git(cwd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      { cwd, maxBuffer: MAX_OUTPUT_BYTES, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const why = firstLine(stderr) || error.message.split('\n')[0];
        reject(new ReleaseError('BW_RELEASE_GIT', `git ${args[0]} failed: ${why}`));
      },
    );
  });
}

/**
 * A long-running git process whose output is read as a stream (rev-list, cat-file --batch,
 * log). `finished` rejects with a BW_RELEASE_GIT error when git fails; stopping it early (once
 * the reader has what it needs) is not a failure.
 */
export interface GitStream {
  readonly child: ChildProcessWithoutNullStreams;
  readonly finished: Promise<void>;
  stop(): void;
}

export function gitStream(cwd: string, args: readonly string[]): GitStream {
  const child = spawn('git', args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  let stopped = false;
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    if (stderr.length < 4096) stderr += text;
  });
  // A reader that stops early closes the pipe; git's EPIPE is expected then.
  child.stdin.on('error', () => {});
  const finished = new Promise<void>((resolve, reject) => {
    child.on('error', (error) =>
      reject(new ReleaseError('BW_RELEASE_GIT', `cannot run git: ${error.message}`)),
    );
    child.on('close', (code) => {
      if (code === 0 || stopped) return resolve();
      const why = firstLine(stderr) || `exit code ${code}`;
      reject(new ReleaseError('BW_RELEASE_GIT', `git ${args[0]} failed: ${why}`));
    });
  });
  return {
    child,
    finished,
    stop() {
      stopped = true;
      child.kill();
    },
  };
}

/** The lines of a git stream's output, as they arrive. */
export async function* gitLines(stream: GitStream): AsyncGenerator<string> {
  let rest = '';
  stream.child.stdout.setEncoding('utf8');
  for await (const chunk of stream.child.stdout as AsyncIterable<string>) {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    yield* lines;
  }
  if (rest !== '') yield rest;
}
