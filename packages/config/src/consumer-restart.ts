import type { ConfigVersion } from './types.js';

/**
 * The exit code of a service that stopped to take a config version needing a restart:
 * EX_TEMPFAIL from sysexits.h ("try again"). Not 0, so a supervisor restarting on failure
 * (`bulwark up`'s `restart: on-failure`, Kubernetes, systemd `Restart=on-failure`) starts it
 * again; not 1, so logs and alerts can tell it from a crash.
 */
export const CONFIG_RESTART_EXIT_CODE = 75;

/** The part of a kit service or worker this needs. */
export interface ShutdownHost {
  shutdown(reason: string): Promise<{ readonly failedPhase: string | undefined }>;
  readonly logger: {
    info(fields: object, message: string): void;
    flush(callback?: (error?: Error) => void): void;
  };
}

/**
 * A ConfigConsumer `restart` that drains the service through the kit's shutdown sequence (/ready
 * fails, in-flight requests finish, tasks are aborted, resources closed) and then exits with
 * CONFIG_RESTART_EXIT_CODE for the supervisor to start it again, on the new version (or 1 when a
 * shutdown phase failed). `exit` is process.exit unless a test passes its own.
 */
export function restartThroughShutdown(
  service: ShutdownHost,
  exit: (code: number) => void = (code) => process.exit(code),
): (version: ConfigVersion) => Promise<void> {
  return async (version) => {
    const what = `config ${version.config} version ${version.version}`;
    service.logger.info(
      { config: version.config, version: version.version, exit_code: CONFIG_RESTART_EXIT_CODE },
      `${what} needs a restart: shutting down, exit code ${CONFIG_RESTART_EXIT_CODE}`,
    );
    const outcome = await service.shutdown(`${what} needs a restart`);
    const code = outcome.failedPhase === undefined ? CONFIG_RESTART_EXIT_CODE : 1;
    // The log is flushed first, as the kit's own exit does; a destination that cannot flush
    // does not keep the process alive.
    const fallback = setTimeout(() => exit(code), 1_000);
    fallback.unref?.();
    service.logger.flush(() => {
      clearTimeout(fallback);
      exit(code);
    });
  };
}
