// The tickets that entered this process's cache last: read from the file or changed here (a ticket
// created through POST enters on its first read: see the store's create), so a GET does not read
// its ticket back from SQLite (a page-cache miss per read while the writer thread commits: the
// reader's cache is reset on every commit of another connection). Safe because every write, and
// every read that records an event, is guarded by the version it was decided on: a ticket another
// process changed fails its guard, leaves this cache, and is read again.

export type TicketCache<T> = {
  get(key: string): T | undefined;
  set(key: string, value: T): void;
  delete(key: string): void;
  clear(): void;
};

/** At most `capacity` entries; the one set longest ago goes first (0 keeps nothing). */
export function createTicketCache<T>(capacity: number): TicketCache<T> {
  const entries = new Map<string, T>();
  // One iterator over the whole life of the map, always at the oldest entry: a new iterator per
  // eviction starts at the front of the map's table and steps over every slot evicted since the
  // table was last compacted (thousands; a tenth of a create's request-thread CPU).
  let oldest = entries.keys();
  return {
    get: (key) => entries.get(key),
    set(key, value) {
      if (capacity === 0) return;
      entries.delete(key);
      entries.set(key, value);
      while (entries.size > capacity) {
        const next = oldest.next();
        if (next.done) oldest = entries.keys();
        else entries.delete(next.value);
      }
    },
    delete: (key) => void entries.delete(key),
    clear() {
      entries.clear();
      oldest = entries.keys();
    },
  };
}
