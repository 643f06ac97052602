import type { Logger } from 'pino';
import type { ShutdownOutcome } from './shutdown.js';
import { SIGNAL_REPEAT_WINDOW_MS, SignalRepeats } from './signal-repeats.js';
import { PARENT_WATCH_ENV, supervisedBy, watchParent } from './supervisor-link.js';

/** What the process hooks drive: a service or a worker. */
export interface ShutdownTarget {
  readonly logger: Logger;
  readonly deadlineMs: number;
  shutdown(reason: string): Promise<ShutdownOutcome>;
}

export interface ProcessHookOptions {
  /** Where to read PARENT_WATCH_ENV from; process.env by default. */
  env?: NodeJS.ProcessEnv;
}

let installed: ShutdownTarget | undefined;

/**
 * The one place in a kit process that handles SIGTERM, SIGINT, uncaught exceptions, unhandled
 * rejections and (when a supervisor asks for it) the loss of the supervisor. All of them run the
 * same phased shutdown; the deadline timer starts with the first of them, and when it fires the
 * process exits non-zero whatever is still running.
 *
 * A second SIGINT (an impatient Ctrl-C) exits at once with 130, unless it arrives within
 * SIGNAL_REPEAT_WINDOW_MS of the first: that is the same keypress forwarded by a launcher such as
 * `npx` (see signal-repeats.ts), and it must not cut the graceful shutdown short.
 */
export function installProcessHooks(
  target: ShutdownTarget,
  options: ProcessHookOptions = {},
): () => void {
  if (installed !== undefined) {
    throw new TypeError(
      'process hooks are already installed by another kit service in this process',
    );
  }
  installed = target;
  let shuttingDown = false;
  let exitCode = 0;
  const repeats = new SignalRepeats();

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
    if (!repeats.counts(signal)) {
      target.logger.info(
        { signal, window_ms: SIGNAL_REPEAT_WINDOW_MS },
        `ignored a repeated ${signal} within ${SIGNAL_REPEAT_WINDOW_MS} ms (forwarded by a launcher)`,
      );
      return;
    }
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

  let stopWatchingParent = () => {};
  const supervision = supervisedBy(options.env ?? process.env);
  if (supervision === 'parent') {
    stopWatchingParent = watchParent(() => {
      if (shuttingDown) return;
      target.logger.warn('supervisor gone (its IPC channel closed); shutting down');
      begin('supervisor-gone', 0);
    });
  } else if (supervision === 'no-channel') {
    target.logger.warn(
      `${PARENT_WATCH_ENV}=1 but the process has no IPC channel to its parent; not watching it`,
    );
  }

  return () => {
    // A 'disconnect' listener keeps the process alive: it goes whoever ends the process.
    stopWatchingParent();
    installed = undefined;
    // When the hooks are ending the process themselves, the handlers stay until exit: without
    // them a late signal would get the default action and end the process by that signal
    // instead of with the exit code the shutdown earned.
    if (shuttingDown) return;
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
