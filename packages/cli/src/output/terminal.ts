import pc from 'picocolors';

/**
 * Where human output goes and how it looks. Colour follows picocolors' rules (NO_COLOR,
 * FORCE_COLOR, a TTY); progress goes to stderr and only to a terminal, so piping stdout or
 * asking for JSON yields clean output.
 */
export interface Terminal {
  readonly color: typeof pc;
  out(line: string): void;
  err(line: string): void;
  progress(message: string): void;
  progressDone(): void;
}

export function createTerminal(
  stdout: NodeJS.WriteStream = process.stdout,
  stderr: NodeJS.WriteStream = process.stderr,
): Terminal {
  const interactive = stderr.isTTY === true && process.env.CI !== 'true';
  let progressShown = false;
  return {
    color: pc,
    out: (line) => stdout.write(`${line}\n`),
    err: (line) => stderr.write(`${line}\n`),
    progress(message) {
      if (!interactive) return;
      stderr.write(`\r\x1b[2K${pc.dim(message)}`);
      progressShown = true;
    },
    progressDone() {
      if (progressShown) stderr.write('\r\x1b[2K');
      progressShown = false;
    },
  };
}
