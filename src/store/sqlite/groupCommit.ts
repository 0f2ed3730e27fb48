// Group commit: work queued in the same event-loop turn shares one SQLite transaction
// (one WAL write, one fsync); each piece runs in its own savepoint so one failure
// spoils nothing else. Promises settle only after the commit, so nothing is
// acknowledged before it is durable.
import type BetterSqlite3 from 'better-sqlite3';

type Pending = { work: () => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void };

export type GroupCommit = {
  run<T>(work: () => T): Promise<T>;
  /** Settles when everything queued so far has committed. */
  flushed(): Promise<void>;
};

export function createGroupCommit(db: BetterSqlite3.Database, onCommit: () => void): GroupCommit {
  let queue: Pending[] = [];
  let scheduled = false;
  // Called inside the outer transaction, better-sqlite3 turns this into a SAVEPOINT.
  const inSavepoint = db.transaction((work: () => unknown) => work());

  const flush = (): void => {
    scheduled = false;
    const batch = queue;
    queue = [];
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      db.transaction(() => {
        for (const item of batch) {
          try {
            outcomes.push({ ok: true, value: inSavepoint(item.work) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      }).immediate();
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
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
