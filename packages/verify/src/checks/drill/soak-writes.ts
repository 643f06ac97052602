import { randomBytes } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import type { HttpProbeClient } from '../live/http.js';
import { encodeRequest, RequestBody } from './load-request.js';
import { bodyWithId, pathWithId } from './write-template.js';

/**
 * Acknowledged writes, read back: during the soak a write is sent every `everyMs`; each one the
 * service acknowledged (2xx) must still be there at the end, after every restart. `{id}` in
 * `path`, `readPath` and any string of `body` becomes a fresh id per write; the read-back must
 * answer 2xx with a body that contains that id. The same parameter shape as drill.kill's
 * `write`, so a plan describes its write path once the same way for both drills.
 */
export const SoakWrite = Type.Object(
  {
    method: Type.Union(
      (['POST', 'PUT', 'PATCH'] as const).map((m) => Type.Literal(m)),
      { default: 'POST' },
    ),
    path: Type.String({ pattern: '^/', maxLength: 2000 }),
    body: Type.Optional(RequestBody),
    readPath: Type.String({
      pattern: '^/.*\\{id\\}',
      maxLength: 2000,
      description: 'where one write is read back; {id} is the write id',
    }),
    everyMs: Type.Integer({ minimum: 50, maximum: 3_600_000, default: 1000 }),
  },
  { additionalProperties: false },
);
export type SoakWriteValue = Static<typeof SoakWrite>;

const ANSWER_LIMIT = 1_048_576;

export interface ReadBack {
  readonly checked: number;
  /** Acknowledged, and gone (or changed beyond recognition). */
  readonly lost: readonly string[];
  /** Acknowledged, and the read-back got no answer: not proven either way. */
  readonly unread: readonly string[];
}

export class WriteProbe {
  readonly #client: HttpProbeClient;
  readonly #url: (path: string) => URL;
  readonly #write: SoakWriteValue;
  readonly #prefix = `soak-${randomBytes(4).toString('hex')}`;
  readonly acknowledged: string[] = [];
  attempts = 0;

  constructor(client: HttpProbeClient, url: (path: string) => URL, write: SoakWriteValue) {
    this.#client = client;
    this.#url = url;
    this.#write = write;
  }

  /** Sends one write; its id is kept when the service acknowledged it. */
  async writeOne(signal: AbortSignal): Promise<void> {
    const id = `${this.#prefix}-${++this.attempts}`;
    const request = encodeRequest(bodyWithId(this.#write.body, id), undefined);
    const exchange = await this.#client.request(this.#url(pathWithId(this.#write.path, id)), {
      method: this.#write.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      maxBodyBytes: ANSWER_LIMIT,
      signal,
    });
    if (exchange.kind === 'answer' && exchange.status >= 200 && exchange.status < 300) {
      this.acknowledged.push(id);
    }
  }

  async readBack(signal: AbortSignal): Promise<ReadBack> {
    const lost: string[] = [];
    const unread: string[] = [];
    for (const id of this.acknowledged) {
      if (signal.aborted) break;
      const exchange = await this.#client.get(this.#url(pathWithId(this.#write.readPath, id)), {
        maxBodyBytes: ANSWER_LIMIT,
        signal,
      });
      if (exchange.kind === 'failure') unread.push(id);
      else if (exchange.status < 200 || exchange.status >= 300 || !exchange.body.includes(id))
        lost.push(id);
    }
    return { checked: this.acknowledged.length, lost, unread };
  }
}
