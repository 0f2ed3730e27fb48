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
      const tail = next.catch(() => undefined);
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return next;
    },
  };
}
