import type { Logger } from 'pino';
import type { ShutdownOutcome } from './shutdown.js';

/** What the process hooks drive: a service or a worker. */
export interface ShutdownTarget {
  readonly logger: Logger;
  readonly deadlineMs: number;
  shutdown(reason: string): Promise<ShutdownOutcome>;
}

let installed: ShutdownTarget | undefined;

/**
 * The one place in a kit process that handles SIGTERM, SIGINT, uncaught exceptions and unhandled
 * rejections. All of them run the same phased shutdown; the deadline timer starts with the
 * first of them, and when it fires the process exits non-zero whatever is still running.
 * A second SIGINT (an impatient Ctrl-C) exits at once.
 */
export function installProcessHooks(target: ShutdownTarget): () => void {
  if (installed !== undefined) {
    throw new TypeError(
      'process hooks are already installed by another kit service in this process',
    );
  }
  installed = target;
  let shuttingDown = false;
  let exitCode = 0;

  const exit = (code: number) => {
    target.logger.flush(() => process.exit(code));
    // If the destination cannot flush, exit anyway.
    setTimeout(() => process.exit(code), 1_000).unref();
  };

  const begin = (reason: string, code: number) => {
    exitCode = Math.max(exitCode, code);
    if (shuttingDown) return;
    shuttingDown = true;
    const deadline = setTimeout(() => {
      target.logger.fatal(
        { deadline_ms: target.deadlineMs },
        'shutdown deadline exceeded; forcing exit',
      );
      exit(1);
    }, target.deadlineMs);
    target.shutdown(reason).then(
      (outcome) => {
        clearTimeout(deadline);
        exit(outcome.failedPhase === undefined ? exitCode : Math.max(exitCode, 1));
      },
      (err: unknown) => {
        clearTimeout(deadline);
        target.logger.fatal({ err }, 'shutdown failed');
        exit(1);
      },
    );
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown && signal === 'SIGINT') {
      target.logger.warn('second SIGINT; exiting without finishing shutdown');
      exit(130);
      return;
    }
    target.logger.info({ signal }, `received ${signal}; shutting down`);
    begin(signal, 0);
  };
  const onException = (err: unknown) => {
    target.logger.fatal({ err }, 'uncaught exception; shutting down');
    begin('uncaughtException', 1);
  };
  const onRejection = (err: unknown) => {
    target.logger.fatal({ err }, 'unhandled rejection; shutting down');
    begin('unhandledRejection', 1);
  };

  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
    installed = undefined;
  };
}
