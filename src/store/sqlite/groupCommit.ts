// Group commit: work queued in the same event-loop turn shares one SQLite transaction (one WAL
// write, one fsync). Promises settle only after the commit, so nothing is acknowledged before it
// is durable. Should any piece throw, the whole batch rolls back and each piece runs again in a
// transaction of its own, so one failure spoils nothing else; pieces are pure functions of the
// store's state, so running one again is safe.
import type BetterSqlite3 from 'better-sqlite3';
import { StoreUnavailableError } from '../port.js';

type Pending = { work: () => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void };

export type GroupCommit = {
  run<T>(work: () => T): Promise<T>;
  /** Settles when everything queued so far has committed. */
  flushed(): Promise<void>;
};

export function createGroupCommit(db: BetterSqlite3.Database, onCommit: () => void): GroupCommit {
  let queue: Pending[] = [];
  let scheduled = false;
  const together = db.transaction((batch: Pending[]) => batch.map((item) => item.work()));
  const alone = db.transaction((work: () => unknown) => work());

  const flush = (): void => {
    scheduled = false;
    const batch = queue;
    queue = [];
    let values: unknown[];
    try {
      values = together.immediate(batch);
    } catch (error) {
      // A locked, full or failing database fails every piece alike; running each again would
      // only wait out the busy timeout once per piece.
      if (isStoreWide(error)) {
        const unavailable = new StoreUnavailableError(error);
        for (const item of batch) item.reject(unavailable);
        return;
      }
      for (const item of batch) {
        try {
          item.resolve(alone.immediate(item.work));
        } catch (error) {
          item.reject(isStoreWide(error) ? new StoreUnavailableError(error) : error);
        }
      }
      onCommit();
      return;
    }
    batch.forEach((item, i) => item.resolve(values[i]));
    onCommit();
  };

  return {
    run<T>(work: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    flushed() {
      return queue.length === 0 ? Promise.resolve() : this.run(() => undefined);
    },
  };
}

function isStoreWide(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB)/.test(code);
}
