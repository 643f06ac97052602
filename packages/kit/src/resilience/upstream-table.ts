/** What the table needs to know of an entry to pick one to give up. */
export interface Evictable {
  /** Set by the table on every use. */
  lastUsed: number;
  /** Nothing in flight and nothing worth remembering (a closed breaker). */
  readonly idle: boolean;
}

/**
 * One entry per upstream origin, made on first use and kept: never one per request (a breaker
 * made per request never sees two failures and is never collected while its timers run, the
 * leak in opossum#245). Bounded, since the origins a service calls can be chosen by its callers
 * (a tool fetching URLs): past `max`, the least recently used idle entry goes; only when none
 * is idle does the least recently used one go, open breaker or not.
 */
export class UpstreamTable<T extends Evictable> {
  readonly #entries = new Map<string, T>();
  readonly #max: number;
  readonly #create: (origin: string) => T;
  readonly #onEvict: (origin: string, entry: T) => void;
  // A counter, not the clock: cheaper, and two uses within one millisecond stay ordered.
  #uses = 0;

  constructor(
    max: number,
    create: (origin: string) => T,
    onEvict: (origin: string, entry: T) => void = () => undefined,
  ) {
    this.#max = max;
    this.#create = create;
    this.#onEvict = onEvict;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(origin: string): T {
    let entry = this.#entries.get(origin);
    if (entry === undefined) {
      if (this.#entries.size >= this.#max) this.#evictOne();
      entry = this.#create(origin);
      this.#entries.set(origin, entry);
    }
    entry.lastUsed = ++this.#uses;
    return entry;
  }

  entries(): IterableIterator<[string, T]> {
    return this.#entries.entries();
  }

  values(): IterableIterator<T> {
    return this.#entries.values();
  }

  // O(n), only when a new origin arrives at a full table.
  #evictOne(): void {
    let victim: [string, T] | undefined;
    let idleVictim: [string, T] | undefined;
    for (const pair of this.#entries) {
      const entry = pair[1];
      if (victim === undefined || entry.lastUsed < victim[1].lastUsed) victim = pair;
      if (entry.idle && (idleVictim === undefined || entry.lastUsed < idleVictim[1].lastUsed)) {
        idleVictim = pair;
      }
    }
    const chosen = idleVictim ?? victim;
    if (chosen === undefined) return;
    this.#entries.delete(chosen[0]);
    this.#onEvict(chosen[0], chosen[1]);
  }
}
