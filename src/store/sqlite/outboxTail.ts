// The events this process committed, in seq order, kept until the relay has passed them, so the
// relay need not read back from the file what the writer just wrote (a twentieth of the request
// thread under load). Only a run that starts right after the relay's cursor and has no gap is
// handed out; from the first event it lacks on (another process's, or one trimmed away), the
// store reads the file.

export type OutboxTail<E extends { seq: number }> = {
  add(events: readonly E[]): void;
  /** The events right after `cursor`, without a gap, at most `limit`; the store reads the rest from the file. */
  after(cursor: number, limit: number): E[];
  size(): number;
};

/** At most `capacity` events (while NATS is away the outbox grows; the oldest go, and are read from the file). */
export function createOutboxTail<E extends { seq: number }>(capacity: number): OutboxTail<E> {
  // Slots before `head` are emptied as it moves: an event the relay has passed must not live on in
  // the array until the next compaction, or under load every event outlives the young generation
  // and is collected only by a full GC (a latency spike each).
  let events: Array<E | undefined> = [];
  let head = 0;
  const advanceTo = (to: number) => {
    while (head < to) events[head++] = undefined;
  };
  const compact = () => {
    if (head > 1024 && head * 2 > events.length) {
      events = events.slice(head);
      head = 0;
    }
  };
  return {
    add(added) {
      if (capacity === 0) return;
      for (const event of added) {
        // Commits settle in order, so this appends; a late one is put in its place all the same.
        let at = events.length;
        while (at > head && events[at - 1]!.seq > event.seq) at--;
        events.splice(at, 0, event);
      }
      if (events.length - head > capacity) advanceTo(events.length - capacity);
      compact();
    },
    after(cursor, limit) {
      let passed = head;
      while (passed < events.length && events[passed]!.seq <= cursor) passed++;
      advanceTo(passed);
      compact();
      const run: E[] = [];
      let expected = cursor + 1;
      for (let i = head; i < events.length && run.length < limit && events[i]!.seq === expected; i++, expected++) run.push(events[i]!);
      return run;
    },
    size: () => events.length - head,
  };
}
