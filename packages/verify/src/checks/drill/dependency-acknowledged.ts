import type { ArtifactInput, Measurements } from '../check.js';
import { describeBody, jsonObjectOf } from '../live/answer.js';
import type { Exchange, HttpProbeClient } from '../live/http.js';
import { LEDGER_VERIFY_PATH } from '../live/ledger-verify.js';
import type { AcknowledgedSpec } from './dependency-params.js';

/**
 * "Nothing acknowledged before the outage is lost": writes made before the dependency stops,
 * each acknowledged by a 2xx, must all read back once the service is ready again. Two modes:
 * `ledger` appends entries to the ledger service and, after recovery, checks the chain verifies
 * and every acknowledged entry is there with the hash it was acknowledged with; `http` writes
 * and reads back through the paths the plan gives.
 */

export interface Acknowledged {
  /** What identifies the write: the ledger's seq, or the id read from the write's answer. */
  readonly id: string;
  /** Ledger mode: the entry hash the append answered with. */
  readonly entryHash?: string;
}

export interface HttpSide {
  readonly url: (path: string) => URL;
  readonly client: HttpProbeClient;
  readonly signal: AbortSignal;
}

export const DEFAULT_ACKNOWLEDGED_COUNT = 10;
const DEFAULT_STREAM = 'bulwark.drill';
const ANSWER_LIMIT = 1_048_576;
const VERIFY_REPORT_LIMIT = 4_194_304;
const READ_PAGE = 1000;

/** The writes before the outage; throws AcknowledgedWriteError when one is not acknowledged. */
export async function writeAcknowledged(
  spec: AcknowledgedSpec,
  run: string,
  http: HttpSide,
): Promise<Acknowledged[]> {
  const count = spec.count ?? DEFAULT_ACKNOWLEDGED_COUNT;
  const written: Acknowledged[] = [];
  for (let n = 1; n <= count; n++) {
    if (http.signal.aborted) return written;
    if (spec.mode === 'ledger') {
      const body = {
        stream: spec.stream ?? DEFAULT_STREAM,
        kind: 'drill.dependency',
        actor: 'bulwark-drill',
        payload: { run, n },
      };
      const exchange = await send(http, 'POST', '/v1/ledger/entries', body);
      const reply = acknowledgedJson(exchange, `append ${n} of ${count}`);
      if (!Number.isSafeInteger(reply.seq) || typeof reply.entryHash !== 'string') {
        throw new AcknowledgedWriteError(
          `append ${n} of ${count}: the answer has no seq and entryHash`,
        );
      }
      written.push({ id: String(reply.seq), entryHash: reply.entryHash });
    } else {
      const method = spec.write.method ?? 'POST';
      const path = fill(spec.write.path, run, n);
      const body = spec.write.body === undefined ? undefined : fill(spec.write.body, run, n);
      const exchange = await send(http, method, path, body);
      const reply = acknowledgedJson(exchange, `${method} ${path}`);
      const id = atPointer(reply, spec.id ?? '/id');
      if (typeof id !== 'string' && typeof id !== 'number') {
        throw new AcknowledgedWriteError(
          `${method} ${path}: the answer has no string or number at ${spec.id ?? '/id'}`,
        );
      }
      written.push({ id: String(id) });
    }
  }
  return written;
}

/** A write before the outage was not acknowledged: the drill fails before stopping anything. */
export class AcknowledgedWriteError extends Error {
  readonly code = 'BW_DRILL_ACK_WRITE';
}

export interface AcknowledgedVerdict {
  /** Empty when every acknowledged write is there (and, for the ledger, the chain verifies). */
  readonly problems: string[];
  readonly measurements: Measurements;
  readonly artifacts: ArtifactInput[];
}

/** After recovery: every acknowledged write reads back. */
export async function checkAcknowledged(
  spec: AcknowledgedSpec,
  written: readonly Acknowledged[],
  http: HttpSide,
): Promise<AcknowledgedVerdict> {
  if (written.length === 0) {
    // Nothing to look for is no evidence that nothing was lost.
    return {
      problems: ['no write was acknowledged before the outage'],
      measurements: {},
      artifacts: [],
    };
  }
  return spec.mode === 'ledger'
    ? checkLedger(spec.stream ?? DEFAULT_STREAM, written, http)
    : checkHttp(spec.read, written, http);
}

async function checkLedger(
  stream: string,
  written: readonly Acknowledged[],
  http: HttpSide,
): Promise<AcknowledgedVerdict> {
  const problems: string[] = [];
  const artifacts: ArtifactInput[] = [];
  const figures: Record<string, Measurements[string]> = { acknowledged: written.length };
  const verify = await http.client.get(http.url(LEDGER_VERIFY_PATH), {
    headers: { accept: 'application/json' },
    maxBodyBytes: VERIFY_REPORT_LIMIT,
    signal: http.signal,
  });
  if (verify.kind === 'failure') {
    problems.push(`${LEDGER_VERIFY_PATH}: ${verify.message}`);
  } else {
    artifacts.push({
      name: 'ledger-verify-after.json',
      mediaType: 'application/json',
      content: verify.body.slice(0, ANSWER_LIMIT),
    });
    const report = jsonObjectOf(verify.body);
    if (verify.status !== 200 || typeof report?.valid !== 'boolean') {
      problems.push(`${LEDGER_VERIFY_PATH}: ${verify.status} ${describeBody(verify.body)}`.trim());
    } else {
      figures.ledgerValid = report.valid;
      if (typeof report.checked === 'number') figures.ledgerChecked = report.checked;
      if (!report.valid) {
        const at = typeof report.firstBadSeq === 'number' ? ` at seq ${report.firstBadSeq}` : '';
        problems.push(`the ledger no longer verifies${at}`);
      }
    }
  }
  const seqs = written.map((w) => Number(w.id));
  const found = new Map<number, string>();
  let from = Math.min(...seqs);
  const last = Math.max(...seqs);
  // Pages of this stream only; bounded, since each page moves `from` past what it returned.
  for (let page = 0; page < 1000 && from <= last && !http.signal.aborted; page++) {
    const query = new URLSearchParams({ from: String(from), limit: String(READ_PAGE), stream });
    const exchange = await http.client.get(http.url(`/v1/ledger/entries?${query}`), {
      headers: { accept: 'application/json' },
      maxBodyBytes: 16 * ANSWER_LIMIT,
      signal: http.signal,
    });
    if (exchange.kind === 'failure' || exchange.status !== 200) {
      problems.push(`reading the entries back: ${describeExchange(exchange)}`);
      break;
    }
    const body = jsonObjectOf(exchange.body);
    const entries = Array.isArray(body?.entries) ? (body.entries as unknown[]) : [];
    for (const entry of entries) {
      const { seq, entryHash } = (entry ?? {}) as { seq?: unknown; entryHash?: unknown };
      if (typeof seq === 'number' && typeof entryHash === 'string') found.set(seq, entryHash);
    }
    if (typeof body?.next !== 'number') break;
    from = body.next;
  }
  const lost = written.filter((w) => !found.has(Number(w.id))).map((w) => w.id);
  const changed = written
    .filter((w) => found.has(Number(w.id)) && found.get(Number(w.id)) !== w.entryHash)
    .map((w) => w.id);
  figures.acknowledgedPresent = written.length - lost.length - changed.length;
  figures.acknowledgedLost = lost.length;
  if (lost.length > 0) {
    problems.push(
      `${lost.length} of ${written.length} acknowledged entries missing (seq ${list(lost)})`,
    );
  }
  if (changed.length > 0) {
    problems.push(
      `${changed.length} acknowledged entries read back with another hash (seq ${list(changed)})`,
    );
  }
  artifacts.push(
    acknowledgedArtifact(written.map((w) => ({ ...w, readBack: found.get(Number(w.id)) ?? null }))),
  );
  return { problems, measurements: figures, artifacts };
}

async function checkHttp(
  read: string,
  written: readonly Acknowledged[],
  http: HttpSide,
): Promise<AcknowledgedVerdict> {
  const lost: string[] = [];
  const unreadable: string[] = [];
  const results: Array<Acknowledged & { readBack: number | string }> = [];
  for (const write of written) {
    if (http.signal.aborted) break;
    const path = read.replaceAll('{id}', encodeURIComponent(write.id));
    const exchange = await http.client.get(http.url(path), {
      maxBodyBytes: ANSWER_LIMIT,
      signal: http.signal,
    });
    const status = exchange.kind === 'answer' ? exchange.status : exchange.message;
    results.push({ ...write, readBack: status });
    if (exchange.kind === 'answer' && exchange.status >= 200 && exchange.status < 300) continue;
    if (exchange.kind === 'answer' && (exchange.status === 404 || exchange.status === 410)) {
      lost.push(write.id);
    } else {
      unreadable.push(`${path}: ${describeExchange(exchange)}`);
    }
  }
  const problems: string[] = [];
  if (lost.length > 0) {
    problems.push(
      `${lost.length} of ${written.length} acknowledged writes lost (GET ${read} answered 404 for ${list(lost)})`,
    );
  }
  if (unreadable.length > 0) {
    problems.push(`${unreadable.length} could not be read back (${unreadable[0]})`);
  }
  return {
    problems,
    measurements: {
      acknowledged: written.length,
      acknowledgedPresent: written.length - lost.length - unreadable.length,
      acknowledgedLost: lost.length,
    },
    artifacts: [acknowledgedArtifact(results)],
  };
}

function send(http: HttpSide, method: string, path: string, body: unknown): Promise<Exchange> {
  return http.client.request(http.url(path), {
    method,
    headers: {
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    maxBodyBytes: ANSWER_LIMIT,
    signal: http.signal,
  });
}

/** The JSON object of a 2xx answer; anything else is a write that was not acknowledged. */
function acknowledgedJson(exchange: Exchange, what: string): Record<string, unknown> {
  if (exchange.kind === 'answer' && exchange.status >= 200 && exchange.status < 300) {
    const json = jsonObjectOf(exchange.body);
    if (json) return json;
  }
  throw new AcknowledgedWriteError(`${what}: ${describeExchange(exchange)}`);
}

function describeExchange(exchange: Exchange): string {
  return exchange.kind === 'failure'
    ? exchange.message
    : `${exchange.status} ${describeBody(exchange.body)}`.trim();
}

/** `{run}` and `{n}` replaced in a string, or in every string of a JSON value. */
export function fill<T>(value: T, run: string, n: number): T {
  if (typeof value === 'string') {
    return value.replaceAll('{run}', run).replaceAll('{n}', String(n)) as T;
  }
  if (Array.isArray(value)) return value.map((item) => fill(item, run, n)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, fill(item, run, n)]),
    ) as T;
  }
  return value;
}

/**
 * The value at an RFC 6901 JSON pointer. Hand-written: it is a split and two escapes, and the
 * libraries for it carry far more than this needs.
 */
export function atPointer(document: unknown, pointer: string): unknown {
  if (pointer === '') return document;
  let value = document;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function acknowledgedArtifact(rows: unknown[]): ArtifactInput {
  return {
    name: 'acknowledged.json',
    mediaType: 'application/json',
    content: `${JSON.stringify(rows, null, 2)}\n`,
  };
}

function list(ids: readonly string[]): string {
  return ids.length > 5 ? `${ids.slice(0, 5).join(', ')}, …` : ids.join(', ');
}
