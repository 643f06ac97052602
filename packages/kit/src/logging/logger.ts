import { context, trace } from '@opentelemetry/api';
import { type DestinationStream, type Logger, pino } from 'pino';
import { currentRequestId } from '../tracing/request-context.js';
import { batchedStdout } from './batched-stdout.js';
import { isoTimeField } from './log-time.js';
import { redact, scrubString } from './redact.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  service: string;
  version: string;
  level: string;
  /** Where lines go; stdout by default. Tests pass a stream to read lines back. */
  destination?: DestinationStream;
}

/**
 * JSON logs for machines: every line carries service, version and, inside a request, the request
 * id and the active trace and span ids. Correlation comes from the active OpenTelemetry context
 * (a pino mixin), not from module patching, so it works the same under ESM and CommonJS.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service, version: options.version, pid: process.pid },
      timestamp: isoTimeField,
      messageKey: 'msg',
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redact(object) as Record<string, unknown>,
      },
      // Error serialization is part of redaction: the walker reads message, stack and cause.
      serializers: { err: (err: unknown) => redact(err), error: (err: unknown) => redact(err) },
      hooks: {
        logMethod(args, method) {
          for (let i = 0; i < args.length; i++) {
            const arg = args[i];
            if (typeof arg === 'string') args[i] = scrubString(arg);
          }
          method.apply(this, args);
        },
      },
      mixin: correlationFields,
    },
    // Synchronous writes batched per event-loop turn: an asynchronous destination sends every
    // line through libuv's thread pool, and one write(2) per line costs about a microsecond
    // (docs/benchmarks.md).
    options.destination ?? batchedStdout(),
  );
}

function correlationFields(): Record<string, string> {
  const active = context.active();
  const requestId = currentRequestId(active);
  const spanContext = trace.getSpanContext(active);
  if (spanContext === undefined) return requestId === undefined ? {} : { request_id: requestId };
  const fields: Record<string, string> = {
    trace_id: spanContext.traceId,
    span_id: spanContext.spanId,
  };
  if (requestId !== undefined) fields.request_id = requestId;
  return fields;
}
