import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ENDPOINTS } from '@bulwark/kit/contract';
import type { ArtifactInput, SampleSeries } from '../check.js';
import type { ServiceTarget } from '../live/service-target.js';
import { roundMs } from './process-signals.js';

/** One /ready poll: when it was sent and answered (performance.now()), and what came back. */
export interface ReadinessPoint {
  readonly sentAt: number;
  readonly answeredAt: number;
  /** The HTTP status, or the reason there was none (`refused`, `closed`, `no-answer`, ...). */
  readonly status: number | string;
}

/** Past this many points only changes of status are kept: a long drill stays small. */
const MAX_POINTS = 20_000;
const READY_BODY_LIMIT = 65_536;

/**
 * Polls the service's /ready from `start()` to `stop()` and keeps what it saw: the readiness
 * timeline a drill's figures are read from (time to 503 after SIGTERM, time to 200 after a
 * kill) and that the report charts. Every question is about status only, so keeping each
 * change of status (the first point of every run) answers them all once the cap is reached.
 */
export class ReadinessTimeline {
  readonly #target: ServiceTarget;
  readonly #intervalMs: number;
  readonly #points: ReadinessPoint[] = [];
  readonly #waiters = new Set<{
    since: number;
    match: (status: number | string) => boolean;
    resolve: (point: ReadinessPoint | undefined) => void;
  }>();
  readonly #stop = new AbortController();
  #dropped = 0;
  #loop: Promise<void> | undefined;

  constructor(target: ServiceTarget, intervalMs: number) {
    this.#target = target;
    this.#intervalMs = intervalMs;
  }

  start(): void {
    this.#loop ??= this.#poll();
  }

  async #poll(): Promise<void> {
    const stop = AbortSignal.any([this.#stop.signal, this.#target.signal]);
    while (!stop.aborted) {
      const sentAt = performance.now();
      const exchange = await this.#target.client.get(this.#target.url(ENDPOINTS.ready), {
        maxBodyBytes: READY_BODY_LIMIT,
        signal: stop,
      });
      if (stop.aborted) break;
      const status = exchange.kind === 'answer' ? exchange.status : exchange.cause;
      this.#record({ sentAt, answeredAt: performance.now(), status });
      await sleep(this.#intervalMs, undefined, { signal: stop }).catch(() => undefined);
    }
    for (const waiter of this.#waiters) waiter.resolve(undefined);
    this.#waiters.clear();
  }

  #record(point: ReadinessPoint): void {
    const last = this.#points.at(-1);
    if (this.#points.length < MAX_POINTS || last?.status !== point.status) {
      this.#points.push(point);
    } else {
      this.#dropped++;
    }
    for (const waiter of this.#waiters) {
      if (point.sentAt >= waiter.since && waiter.match(point.status)) {
        this.#waiters.delete(waiter);
        waiter.resolve(point);
      }
    }
  }

  /**
   * The first poll sent at or after `since` whose status matches: one already seen, or the
   * next one to arrive. Undefined when `until` (a performance.now() time) passes first, or the
   * timeline stops.
   */
  first(
    match: (status: number | string) => boolean,
    since: number,
    until: number,
  ): Promise<ReadinessPoint | undefined> {
    const seen = this.#points.find((p) => p.sentAt >= since && match(p.status));
    if (seen) return Promise.resolve(seen);
    if (this.#stop.signal.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          this.#waiters.delete(waiter);
          resolve(undefined);
        },
        Math.max(0, until - performance.now()),
      );
      const waiter = {
        since,
        match,
        resolve: (point: ReadinessPoint | undefined) => {
          clearTimeout(timer);
          resolve(point);
        },
      };
      this.#waiters.add(waiter);
    });
  }

  /** Polls seen so far (once the cap is reached, only changes of status). */
  get points(): readonly ReadinessPoint[] {
    return this.#points;
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  /**
   * Two series for the report, relative to `zero` (the fault): when each poll was answered, and
   * its status (0 for no answer).
   */
  samples(zero: number): SampleSeries[] {
    return [
      {
        name: 'readiness: ms from the fault',
        unit: 'ms',
        values: this.#points.map((p) => roundMs(p.answeredAt - zero)),
      },
      {
        name: 'readiness: /ready status (0 = no answer)',
        unit: 'count',
        values: this.#points.map((p) => (typeof p.status === 'number' ? p.status : 0)),
      },
    ];
  }

  /** The timeline as CSV: ms from the fault when sent and answered, and the status or cause. */
  artifact(zero: number, name = 'readiness-timeline.csv'): ArtifactInput {
    const rows = this.#points.map(
      (p) => `${roundMs(p.sentAt - zero)},${roundMs(p.answeredAt - zero)},${p.status}`,
    );
    const note = this.#dropped > 0 ? `# ${this.#dropped} repeated polls left out\n` : '';
    return {
      name,
      mediaType: 'text/csv',
      content: `${note}sent_ms,answered_ms,status\n${rows.join('\n')}\n`,
    };
  }
}

/**
 * Waits until /ready answers 200, polling, for at most `withinMs`: the last answer (200 when
 * ready). A drill starts only on a ready service; one that a previous drill just disturbed (a
 * dependent whose readiness follows a restarted dependency) gets a moment to settle first.
 */
export async function readyBeforeDrill(
  target: ServiceTarget,
  withinMs: number,
): Promise<number | string> {
  const until = performance.now() + withinMs;
  for (;;) {
    const exchange = await target.client.get(target.url(ENDPOINTS.ready), {
      maxBodyBytes: READY_BODY_LIMIT,
      signal: target.signal,
    });
    const status = exchange.kind === 'answer' ? exchange.status : exchange.message;
    if (status === 200 || target.signal.aborted || performance.now() >= until) return status;
    await sleep(SETTLE_POLL_MS, undefined, { signal: target.signal }).catch(() => undefined);
  }
}

const SETTLE_POLL_MS = 100;
