import { BulwarkError } from './errors.js';
import { scrubString } from './logging/redact.js';
import type { Service } from './service.js';
import type { Worker } from './worker.js';

/**
 * The entry point of a kit process: builds the service or worker and starts it. A failure to
 * build (bad configuration) or to start (port in use, a failing startup step) is one JSON log
 * line and exit code 1, never a stack trace on the console; whatever was opened is closed.
 */
export async function runService(
  build: () => Service | Worker | Promise<Service | Worker>,
): Promise<void> {
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
    const code =
      error instanceof BulwarkError
        ? error.code
        : ((error as { code?: string }).code ?? 'BW_STARTUP_FAILED');
    const message = scrubString(error instanceof Error ? error.message : String(error));
    if (built) {
      built.logger.fatal({ code, err: error }, `failed to start: ${message}`);
      await built.shutdown('startup failed').catch(() => undefined);
    } else {
      process.stderr.write(
        `${JSON.stringify({ level: 'fatal', time: new Date().toISOString(), code, msg: `failed to start: ${message}` })}\n`,
      );
    }
    process.exitCode = 1;
  }
}
