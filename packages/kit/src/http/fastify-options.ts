import { type FastifyBaseLogger, LogController } from 'fastify';
import type { Logger } from '../logging/logger.js';

/**
 * Logging options shared by every Fastify instance the kit creates. Fastify's own per-request
 * lines are off (the kit writes one access line per request instead), and request.log is the
 * service logger itself: correlation fields come from its mixin, so a child logger per request
 * would only repeat them at the cost of an allocation.
 */
export function kitLoggingOptions(logger: Logger) {
  return {
    loggerInstance: logger as FastifyBaseLogger,
    childLoggerFactory: (parent: FastifyBaseLogger) => parent,
    logController: new LogController({ disableRequestLogging: true }),
  };
}
