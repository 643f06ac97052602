import { randomBytes } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import type { HttpProbeClient } from '../live/http.js';
import { RequestStream } from './kill-stream.js';
import { bodyWithId, pathWithId } from './write-template.js';

/**
 * Acknowledged writes through a kill: while the drill runs, a write is sent every `everyMs`,
 * each with a fresh id; those the service acknowledged (2xx) must all read back once it is
 * ready again. A write that got no answer may or may not have landed: it is not judged.
 *
 * `{id}` in `path`, `readPath` and every string of `body` becomes the write's id (the same
 * convention as drill.soak's writes). `readPath` with `{id}` reads each write back on its
 * own: a 2xx whose body contains the id is present, a 404 or 410 (or a 2xx without the id) is
 * lost, anything else is unread. `readPath` without `{id}` is a list, read once: each id must
 * appear in its body.
 */
export const KillWrite = Type.Object(
  {
    method: Type.Union(
      (['POST', 'PUT', 'PATCH'] as const).map((m) => Type.Literal(m)),
      { default: 'POST' },
    ),
    path: Type.String({ pattern: '^/', maxLength: 2000 }),
    /** A string is sent as it is; anything else as JSON. */
    body: Type.Optional(
      Type.Union([
        Type.String({ maxLength: 1_048_576 }),
        Type.Record(Type.String(), Type.Unknown()),
        Type.Array(Type.Unknown()),
      ]),
    ),
    readPath: Type.String({ pattern: '^/', maxLength: 2000 }),
    everyMs: Type.Integer({ minimum: 10, maximum: 60_000, default: 50 }),
  },
  { additionalProperties: false },
);
export type KillWriteValue = Static<typeof KillWrite>;

/** Bounds memory and read-back time on a long drill. */
const MAX_WRITES = 2_000;
const MAX_IN_FLIGHT = 16;
const ITEM_LIMIT = 1_048_576;
const LIST_LIMIT = 16_777_216;

export interface WriteReadBack {
  readonly attempted: number;
  /** Ids the service acknowledged, in the order sent. */
  readonly acknowledged: readonly string[];
  /** Of those, acknowledged before the fault. */
  readonly acknowledgedBeforeFault: number;
  readonly lost: readonly string[];
  /** Acknowledged, but the read-back got no usable answer: not proven either way. */
  readonly unread: readonly string[];
}

export class AcknowledgedWrites {
  readonly #write: KillWriteValue;
  readonly #url: (path: string) => URL;
  readonly #prefix = `drill-kill-${randomBytes(4).toString('hex')}`;
  readonly #stream: RequestStream;

  constructor(
    write: KillWriteValue,
    url: (path: string) => URL,
    options: { timeoutMs: number; signal: AbortSignal },
  ) {
    this.#write = write;
    this.#url = url;
    this.#stream = new RequestStream({
      intervalMs: write.everyMs,
      timeoutMs: options.timeoutMs,
      maxInFlight: MAX_IN_FLIGHT,
      maxRequests: MAX_WRITES,
      keepBodies: false,
      signal: options.signal,
      next: (n) => {
        const id = this.idOf(n);
        const body = bodyWithId(this.#write.body, id);
        return {
          method: this.#write.method,
          url: this.#url(pathWithId(this.#write.path, id)),
          ...(body === undefined
            ? {}
            : typeof body === 'string'
              ? { body }
              : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
        };
      },
    });
  }

  idOf(n: number): string {
    return `${this.#prefix}-${n + 1}`;
  }

  start(): void {
    this.#stream.start();
  }

  /** Acknowledged so far, answered before `at` (a performance.now() time). */
  acknowledgedBefore(at: number): number {
    return this.#stream.outcomes.filter((o) => isAck(o.status) && o.answeredAt < at).length;
  }

  get attempted(): number {
    return this.#stream.sent;
  }

  /** Stops writing, waits for the writes in flight, then reads back every acknowledged one. */
  async stopAndReadBack(
    client: HttpProbeClient,
    fault: number,
    signal: AbortSignal,
  ): Promise<WriteReadBack> {
    const outcomes = await this.#stream.stop();
    const acked = outcomes.filter((o) => isAck(o.status));
    const acknowledged = acked.map((o) => this.idOf(o.n));
    const before = acked.filter((o) => o.answeredAt < fault).length;
    const { lost, unread } = this.#write.readPath.includes('{id}')
      ? await readEach(client, this.#url, this.#write.readPath, acknowledged, signal)
      : await readList(client, this.#url(this.#write.readPath), acknowledged, signal);
    return {
      attempted: outcomes.length,
      acknowledged,
      acknowledgedBeforeFault: before,
      lost,
      unread,
    };
  }

  /** Stops writing without reading back (cleanup after an abort). */
  async stop(): Promise<void> {
    await this.#stream.stop();
  }
}

async function readEach(
  client: HttpProbeClient,
  url: (path: string) => URL,
  readPath: string,
  ids: readonly string[],
  signal: AbortSignal,
): Promise<{ lost: string[]; unread: string[] }> {
  const lost: string[] = [];
  const unread: string[] = [];
  for (const id of ids) {
    if (signal.aborted) {
      unread.push(id);
      continue;
    }
    const exchange = await client.get(url(pathWithId(readPath, id)), {
      maxBodyBytes: ITEM_LIMIT,
      signal,
    });
    if (exchange.kind === 'failure') unread.push(id);
    else if (exchange.status === 404 || exchange.status === 410) lost.push(id);
    else if (isAck(exchange.status)) {
      if (!exchange.body.includes(id)) lost.push(id);
    } else unread.push(id);
  }
  return { lost, unread };
}

async function readList(
  client: HttpProbeClient,
  url: URL,
  ids: readonly string[],
  signal: AbortSignal,
): Promise<{ lost: string[]; unread: string[] }> {
  if (ids.length === 0) return { lost: [], unread: [] };
  const exchange = await client.get(url, { maxBodyBytes: LIST_LIMIT, signal });
  if (exchange.kind === 'failure' || !isAck(exchange.status)) return { lost: [], unread: [...ids] };
  // Quoted, so write-1 is not found inside write-10.
  return { lost: ids.filter((id) => !exchange.body.includes(JSON.stringify(id))), unread: [] };
}

function isAck(status: number | undefined): boolean {
  return status !== undefined && status >= 200 && status < 300;
}
