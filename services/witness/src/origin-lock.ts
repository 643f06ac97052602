/**
 * One critical section per log origin: C2SP tlog-witness requires the old-size check and the
 * write of the new checkpoint to be atomic, or two racing submissions could roll the witness
 * back. In-process only; several replicas over one database also rely on the store's own check
 * (DatabaseWitness re-checks consistency under an advisory lock before it inserts).
 */
export class OriginLock {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(origin: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(origin) ?? Promise.resolve();
    const result = previous.then(fn, fn);
    const tail = result.catch(() => undefined);
    this.#tails.set(origin, tail);
    void tail.then(() => {
      if (this.#tails.get(origin) === tail) this.#tails.delete(origin);
    });
    return result;
  }
}
