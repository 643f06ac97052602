import { writeFile } from 'node:fs/promises';
import { BulwarkError } from './errors.js';
import { scrubString } from './logging/redact.js';
import { NoHttpApiError } from './openapi/openapi-errors.js';
import type { Service } from './service.js';
import type { Worker } from './worker.js';

/** Set to a file path (or `-` for stdout), it makes runService write the document and exit. */
export const OPENAPI_OUT_VARIABLE = 'BULWARK_OPENAPI_OUT';

/**
 * Exit code of a document dump asked of a worker: not 1, which says the build failed, so a
 * caller (`bulwark contract snapshot`) can tell "this process has no HTTP API" from "broken".
 */
const NO_HTTP_API_EXIT_CODE = 2;

/**
 * The entry point of a kit process: builds the service or worker and starts it. A failure to
 * build (bad configuration) or to start (port in use, a failing startup step) is one JSON log
 * line and exit code 1, never a stack trace on the console; whatever was opened is closed.
 *
 * With BULWARK_OPENAPI_OUT set it starts nothing: it builds the service, writes its OpenAPI
 * document there (pretty JSON and a newline; `-` is stdout), closes what the build opened and
 * exits 0, never binding a port nor running a startup step (runOpenApiDump).
 */
export async function runService(
  build: () => Service | Worker | Promise<Service | Worker>,
): Promise<void> {
  const out = process.env[OPENAPI_OUT_VARIABLE];
  if (out !== undefined && out !== '') return runOpenApiDump(build, out);
  let built: Service | Worker | undefined;
  try {
    built = await build();
    if ('listen' in built) await built.listen();
    else await built.start();
  } catch (error) {
    if (built?.draining) {
      // A signal (or the loss of a supervisor) began the shutdown while startup steps ran, and
      // aborting them is what failed the start: the process hooks finish the stop and exit.
      built.logger.info({ reason: scrubString(String(error)) }, 'startup interrupted by shutdown');
      return;
    }
    await failed(built, error, 'failed to start', 'startup failed');
    process.exitCode = 1;
  }
}

/**
 * The document dump. Its output is the document: once built, the service logs warnings and
 * worse only (not the info lines of closing what it opened). With `-`, stdout carries the
 * document, and the kit logs to stdout too: the level is fatal (for the build, through
 * LOG_LEVEL, and for the logger it made), so only a failure's line can reach stdout, and then no
 * document does.
 *
 * It ends with process.exit: a dump is a one-shot command, and a handle the service's code left
 * open at build time (a timer, a client it did not register as a resource) must not keep it
 * running.
 */
async function runOpenApiDump(
  build: () => Service | Worker | Promise<Service | Worker>,
  out: string,
): Promise<void> {
  const toStdout = out === '-';
  if (toStdout) process.env.LOG_LEVEL = 'fatal';
  let built: Service | Worker | undefined;
  let exitCode = 0;
  try {
    built = await build();
    const level = toStdout ? 'fatal' : 'warn';
    if (built.logger.levelVal < (built.logger.levels.values[level] ?? 0))
      built.logger.level = level;
    if (!('openapi' in built)) {
      exitCode = NO_HTTP_API_EXIT_CODE;
      await failed(built, new NoHttpApiError(built.config.name), 'no OpenAPI document', 'dump');
    } else {
      const text = `${JSON.stringify(await built.openapi(), null, 2)}\n`;
      if (toStdout) await writeStdout(text);
      else await writeFile(out, text);
      await built.shutdown('openapi document written');
    }
  } catch (error) {
    exitCode = 1;
    await failed(built, error, 'failed to write the OpenAPI document', 'dump failed');
  }
  built?.logger.flush();
  process.exit(exitCode);
}

/** One fatal line naming the code and the (scrubbed) cause; closes what was built. */
async function failed(
  built: Service | Worker | undefined,
  error: unknown,
  what: string,
  shutdownReason: string,
): Promise<void> {
  const code =
    error instanceof BulwarkError
      ? error.code
      : ((error as { code?: string }).code ?? 'BW_STARTUP_FAILED');
  const message = scrubString(error instanceof Error ? error.message : String(error));
  if (built) {
    built.logger.fatal({ code, err: error }, `${what}: ${message}`);
    await built.shutdown(shutdownReason).catch(() => undefined);
  } else {
    process.stderr.write(
      `${JSON.stringify({ level: 'fatal', time: new Date().toISOString(), code, msg: `${what}: ${message}` })}\n`,
    );
  }
}

function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (error) => (error ? reject(error) : resolve()));
  });
}
