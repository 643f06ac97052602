import pc from 'picocolors';

type Colors = ReturnType<typeof pc.createColors>;

/**
 * Where human output goes and how it looks. Colour is on for a terminal and off otherwise;
 * NO_COLOR turns it off and FORCE_COLOR on. Unlike picocolors' default, a CI variable alone does
 * not turn it on: piped output stays plain, whatever machine it runs on. Progress goes to stderr
 * and only to a terminal, so piping stdout or asking for JSON yields clean output.
 */
export interface Terminal {
  readonly color: Colors;
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
    color: pc.createColors(colorEnabled(stdout, process.env)),
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

function colorEnabled(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}
