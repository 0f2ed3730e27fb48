// SQLite with API workers: every worker's writes go to the primary's writer, so one writer commits
// for the whole process group and writes from all workers share its group commits. A worker sends
// the writes of one event-loop turn in one message; the primary queues them on its writer in the
// same turn, so they land in one batch with whatever else is waiting.
import type { Write, WriteResult } from '../store/sqlite/writeBatch.js';
import { type Applied, type Writer, failureOf, resultOf } from '../store/sqlite/writer.js';
import { StoreUnavailableError } from '../store/port.js';

export type SharedWrite = { write: Write; wakes: boolean };

/** The primary's side: each write through its writer, answered as results in order. */
export function applySharedWrites(writer: Writer, writes: readonly SharedWrite[]): Promise<WriteResult[]> {
  return Promise.all(writes.map(({ write, wakes }) => writer.write(write, wakes).then((applied): WriteResult => applied, resultOf)));
}

/** A worker's writer: the primary's, reached through `send`. */
export function createSharedWriter(send: (writes: SharedWrite[]) => Promise<WriteResult[]>): Writer {
  type Pending = SharedWrite & { resolve: (applied: Applied) => void; reject: (error: unknown) => void };
  let queue: Pending[] = [];
  let scheduled = false;
  let outstanding = 0;
  let closed = false;
  let idle: Array<() => void> = [];

  const settled = () => {
    if (outstanding > 0 || queue.length > 0) return;
    const waiting = idle;
    idle = [];
    for (const resolve of waiting) resolve();
  };
  const flush = () => {
    scheduled = false;
    const batch = queue;
    queue = [];
    send(batch.map(({ write, wakes }) => ({ write, wakes })))
      .then(
        (results) => {
          batch.forEach((pending, i) => {
            const result = results[i]!;
            if ('error' in result) pending.reject(failureOf(result.error));
            else pending.resolve(result);
          });
        },
        // The primary is gone or did not answer: nothing here knows whether it committed, and the
        // client is told the store is unavailable (a write is acknowledged only once committed).
        (error: unknown) => {
          for (const pending of batch) pending.reject(new StoreUnavailableError(error));
        },
      )
      .finally(() => {
        outstanding -= batch.length;
        settled();
      });
  };

  return {
    write(write, wakes = false) {
      if (closed) return Promise.reject(new StoreUnavailableError(new Error('the store is closed')));
      return new Promise<Applied>((resolve, reject) => {
        queue.push({ write, wakes, resolve, reject });
        outstanding += 1;
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    flushed() {
      if (outstanding === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idle.push(resolve));
    },
    async close() {
      closed = true;
      await this.flushed();
    },
  };
}
