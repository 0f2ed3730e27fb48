// Runs work in arrival order per key and concurrently across keys: a consumer handles different
// tickets in parallel and the events of one ticket one after another.

export type KeyedQueue = {
  /** Runs `work` after every earlier work of the same key has settled. */
  run(key: string, work: () => Promise<void>): Promise<void>;
};

export function createKeyedQueue(): KeyedQueue {
  const tails = new Map<string, Promise<void>>();
  return {
    run(key, work) {
      const previous = tails.get(key) ?? Promise.resolve();
      const next = previous.then(work, work);
      const tail = next.catch(() => undefined);
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return next;
    },
  };
}
