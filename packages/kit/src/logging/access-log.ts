import { type Logger, pino } from 'pino';
import { isoNow } from './log-time.js';

/** One completed request, as the access log records it. */
export interface AccessRecord {
  readonly method: string;
  /** The route template (never the raw path, which may carry secrets in its query). */
  readonly route: string;
  readonly status: number;
  readonly seconds: number;
  readonly requestId: string;
  readonly traceId: string;
  readonly spanId: string;
  /** The authenticated subject: a name from a verified credential, escaped as JSON. */
  readonly subject?: string | undefined;
}

export type AccessLevel = 'info' | 'debug';

/**
 * The access line: one per request, the hottest log line a service writes. It has the same
 * shape as every other kit line (level, time, the logger's bindings, correlation ids, fields,
 * msg), but is serialized here rather than through pino's object path, which costs about three
 * times as much per line (mixin lookup of the active context, the redaction walk, key-by-key
 * serialization; docs/benchmarks.md).
 *
 * Skipping the redaction walk is safe because no field can carry caller-supplied text: the
 * method is an HTTP token Node's parser validated, the route is a template from the code, the
 * ids are hex or a request id the server factory checked against a strict pattern, and
 * status and duration are numbers. The raw URL is deliberately not logged.
 */
export class AccessLog {
  readonly #logger: Logger;
  readonly #stream: { write(line: string): void };
  /** pino's own serialized bindings (`,"service":…,"pid":…`), spliced in after the time as pino does. */
  readonly #bindings: string;

  constructor(logger: Logger) {
    this.#logger = logger;
    const internals = logger as unknown as Record<symbol, unknown>;
    this.#stream = internals[pino.symbols.streamSym] as { write(line: string): void };
    this.#bindings = internals[pino.symbols.chindingsSym] as string;
  }

  write(level: AccessLevel, record: AccessRecord): void {
    if (!this.#logger.isLevelEnabled(level)) return;
    const durationMs = Math.round(record.seconds * 100_000) / 100;
    this.#stream.write(
      `{"level":"${level}","time":"${isoNow()}"${this.#bindings},"trace_id":"${record.traceId}","span_id":"${record.spanId}","request_id":${JSON.stringify(record.requestId)},"method":${JSON.stringify(record.method)},"route":${JSON.stringify(record.route)},"status":${record.status},"duration_ms":${durationMs}${record.subject === undefined ? '' : `,"subject":${JSON.stringify(record.subject)}`},"msg":"request completed"}\n`,
    );
  }
}
