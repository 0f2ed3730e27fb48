// SQLite with API workers: every worker's writes go to the primary's writer, so one writer commits
// for the whole process group and writes from all workers share its group commits. A worker sends
// the writes of one event-loop turn in one message; the primary queues them on its writer in the
// same turn, so they land in one batch with whatever else is waiting. They cross in the writer
// thread's wire format (batchWire.ts): statements by number once the primary has their text.
import { type WireBatch, createBatchDecoder, createBatchEncoder } from '../store/sqlite/batchWire.js';
import type { Write, WriteResult } from '../store/sqlite/writeBatch.js';
import { type Applied, type Writer, failureOf, resultOf } from '../store/sqlite/writer.js';
import { StoreUnavailableError } from '../store/port.js';

/** One turn's writes of a worker; `wakes[i]`: write i adds events for the relay. */
export type SharedWrites = { batch: WireBatch; wakes: boolean[] };

/** The primary's side, one per worker (it learns that worker's statements): each write through its writer, answered in order. */
export function sharedWritesInto(writer: Writer): (writes: SharedWrites) => Promise<WriteResult[]> {
  const decoder = createBatchDecoder();
  return ({ batch, wakes }) =>
    Promise.all(decoder.decode(batch).map((write, i) => writer.write(write, wakes[i]).then((applied): WriteResult => applied, resultOf)));
}

/** A worker's writer: the primary's, reached through `send`. */
export function createSharedWriter(send: (writes: SharedWrites) => Promise<WriteResult[]>): Writer {
  type Pending = { write: Write; wakes: boolean; resolve: (applied: Applied) => void; reject: (error: unknown) => void };
  const encoder = createBatchEncoder();
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
    send({ batch: encoder.encode(batch.map((p) => p.write)), wakes: batch.map((p) => p.wakes) })
      .then(
        (results) => {
          batch.forEach((pending, i) => {
            const result = results[i];
            if (result === undefined) pending.reject(new StoreUnavailableError(new Error('the primary answered fewer writes than it was sent')));
            else if ('error' in result) pending.reject(failureOf(result.error));
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
