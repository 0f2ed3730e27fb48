// Runs work in arrival order per key and concurrently across keys: a consumer handles different
// tickets in parallel and the events of one ticket one after another; the SQLite store decides
// the changes of one ticket one after another.

export type KeyedQueue = {
  /** Runs `work` after every earlier work of the same key has settled. */
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
};

export function createKeyedQueue(): KeyedQueue {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run<T>(key: string, work: () => Promise<T>): Promise<T> {
      const previous = tails.get(key);
      const next = previous ? previous.then(work, work) : work();
      // Settles either way (the next work runs after a failure too) and clears the key when it is
      // still the last: one promise per run besides the work's own.
      const tail: Promise<void> = next.then(forget, forget);
      function forget(): void {
        if (tails.get(key) === tail) tails.delete(key);
      }
      tails.set(key, tail);
      return next;
    },
  };
}
