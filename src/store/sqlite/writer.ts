// Where the SQLite store's writes go. Writes queued while a batch is out are sent together as the
// next batch: one transaction, one fsync. Promises settle only after the commit, so nothing is
// acknowledged before it is durable. By default the batches run in a writer thread with its own
// connection, so statements and fsync never stall the thread answering HTTP; an in-memory database
// (which a thread cannot share) or SQLITE_WRITER=inline runs them on this thread. An API worker
// sends its batches to its primary's writer instead (`shared`), so one writer commits for the group.
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import { StoreUnavailableError } from '../port.js';
import { type WireBatch, createBatchDecoder, createBatchEncoder } from './batchWire.js';
import { threadEntry } from './threadEntry.js';
import { type Write, type WriteResult, createBatchRunner } from './writeBatch.js';
import type { WriterRequest, WriterThreadData } from './writerThread.js';

export type WriterMode = 'thread' | 'inline';

/** A committed write (with the rows it changed), or the refusal its guard gave. */
export type Applied = { ok: true; changes: number; seqs?: number[] } | { ok: false; refused: string; row?: unknown };

export type Writer = {
  /** Settles once the write is committed or refused by its guard; `wakes`: it added events for the relay. */
  write(write: Write, wakes?: boolean): Promise<Applied>;
  /** Settles when everything queued so far has committed. */
  flushed(): Promise<void>;
  close(): Promise<void>;
};

/** A batch of writes as it crosses to another process's writer; `wakes[i]`: write i adds events for the relay. */
export type SharedWrites = { batch: WireBatch; wakes: boolean[] };

export type WriterOptions = (
  | {
      mode: WriterMode;
      /** The request thread's connection: inline mode writes on it. */
      db: BetterSqlite3.Database;
      thread: WriterThreadData;
    }
  | {
      mode: 'shared';
      /** Hands a batch to the writer that commits it (an API worker's primary's), answering its results in order. */
      send: (writes: SharedWrites) => Promise<WriteResult[]>;
    }
) & {
  /** After each commit that added events. */
  onCommit: () => void;
  /** After each batch that committed anything (the checkpointer's cue). */
  afterCommit?: () => void;
};

// One batch committing while the next waits in the thread's inbox: the thread never idles for a
// round trip, and batches still grow under load (writes queue here while two are out).
const MAX_BATCHES_OUT = 2;

// The thread holds only the statements and the batch at hand (tens of KB); a small heap keeps its
// memory from growing with the request thread's default limits.
const WRITER_HEAP = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 64 };

/** The error a failed write rejects with: the store's own failures as StoreUnavailableError. */
export function failureOf(failure: Extract<WriteResult, { error: unknown }>['error']): Error {
  const error = Object.assign(new Error(failure.message), { code: failure.code });
  return failure.storeWide ? new StoreUnavailableError(error) : error;
}

/** The result a write's rejection is sent back as, to be turned into the same error by failureOf. */
export function resultOf(error: unknown): WriteResult {
  const storeWide = error instanceof StoreUnavailableError;
  const cause = storeWide ? error.cause : error;
  const code = (cause as { code?: unknown })?.code;
  return { ok: false, error: { message: (cause as Error)?.message ?? String(cause), code: typeof code === 'string' ? code : undefined, storeWide } };
}

type Pending = { write: Write; wakes: boolean; resolve: (applied: Applied) => void; reject: (error: unknown) => void };

export function startWriter(opts: WriterOptions): Writer {
  let queue: Pending[] = [];
  let scheduled = false;
  // Batches sent and not yet answered, oldest first; the thread answers in order.
  const inFlight: Pending[][] = [];
  let closed = false;
  let idle: Array<() => void> = [];

  const settle = (batch: Pending[], results: readonly WriteResult[]) => {
    let wake = false;
    let wrote = false;
    batch.forEach((pending, i) => {
      const result = results[i];
      if (result === undefined) {
        pending.reject(new StoreUnavailableError(new Error('the writer answered fewer writes than it was sent')));
        return;
      }
      if ('error' in result) {
        pending.reject(failureOf(result.error));
        return;
      }
      if (result.ok) {
        wrote = true;
        if (pending.wakes) wake = true;
      }
      pending.resolve(result);
    });
    if (wake) opts.onCommit();
    if (wrote) opts.afterCommit?.();
  };
  const whenIdle = () => {
    if (inFlight.length > 0 || queue.length > 0) return;
    const waiting = idle;
    idle = [];
    for (const resolve of waiting) resolve();
  };
  const schedule = (send: () => void) => {
    if (scheduled) return;
    scheduled = true;
    // The rest of this event-loop turn's writes join the batch.
    setImmediate(send);
  };

  let sendBatch: () => void;
  let stop: () => Promise<void>;
  if (opts.mode === 'inline') {
    const runner = createBatchRunner(opts.db);
    sendBatch = () => {
      scheduled = false;
      const batch = queue;
      queue = [];
      settle(batch, runner.run(batch.map((p) => p.write)));
      whenIdle();
    };
    stop = async () => undefined;
  } else if (opts.mode === 'shared') {
    const wire = createBatchEncoder();
    const { send } = opts;
    sendBatch = () => {
      scheduled = false;
      if (inFlight.length >= MAX_BATCHES_OUT || queue.length === 0) return;
      const batch = queue;
      queue = [];
      inFlight.push(batch);
      const answered = (results: readonly WriteResult[]) => {
        inFlight.splice(inFlight.indexOf(batch), 1);
        settle(batch, results);
        if (queue.length > 0) sendBatch();
        else whenIdle();
      };
      send({ batch: wire.encode(batch.map((p) => p.write)), wakes: batch.map((p) => p.wakes) }).then(answered, (error: unknown) => {
        // The other writer is gone or did not answer: nothing here knows whether the batch
        // committed, and the client is told the store is unavailable (acknowledged only once committed).
        const unavailable = new StoreUnavailableError(error);
        answered(batch.map(() => resultOf(unavailable)));
      });
    };
    stop = async () => undefined;
  } else {
    let worker: Worker | undefined;
    const wire = createBatchEncoder();
    const fail = (error: unknown) => {
      const unavailable = new StoreUnavailableError(error);
      for (const batch of inFlight.splice(0)) for (const pending of batch) pending.reject(unavailable);
      if (queue.length > 0) schedule(sendBatch);
      whenIdle();
    };
    const spawn = () => {
      const w = new Worker(threadEntry('writerThread'), { workerData: opts.thread, resourceLimits: WRITER_HEAP });
      wire.reset();
      w.on('message', ({ results }: { results: WriteResult[] }) => {
        settle(inFlight.shift()!, results);
        if (queue.length > 0) sendBatch();
        else whenIdle();
      });
      w.on('error', (error) => {
        if (worker === w) worker = undefined;
        fail(error);
      });
      w.on('exit', (code) => {
        if (worker !== w) return;
        worker = undefined;
        fail(new Error(`the writer thread exited (code ${code})`));
      });
      return w;
    };
    sendBatch = () => {
      scheduled = false;
      if (inFlight.length >= MAX_BATCHES_OUT || queue.length === 0) return;
      const batch = queue;
      queue = [];
      inFlight.push(batch);
      worker ??= spawn();
      worker.postMessage({ batch: wire.encode(batch.map((p) => p.write)) } satisfies WriterRequest);
    };
    stop = async () => {
      const w = worker;
      worker = undefined;
      if (!w) return;
      const exited = once(w, 'exit');
      w.postMessage({ close: true } satisfies WriterRequest);
      await exited;
    };
  }

  return {
    write(write, wakes = false) {
      if (closed) return Promise.reject(new StoreUnavailableError(new Error('the store is closed')));
      return new Promise<Applied>((resolve, reject) => {
        queue.push({ write, wakes, resolve, reject });
        if (inFlight.length < MAX_BATCHES_OUT) schedule(sendBatch);
      });
    },
    flushed() {
      if (inFlight.length === 0 && queue.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idle.push(resolve));
    },
    async close() {
      closed = true;
      await this.flushed();
      await stop();
    },
  };
}

/**
 * The writer's side of `shared` mode, one per sender (it learns that sender's statements): each
 * write of a batch through `writer`, all queued in one turn so they join one commit, answered in order.
 */
export function sharedWritesInto(writer: Writer): (writes: SharedWrites) => Promise<WriteResult[]> {
  const decoder = createBatchDecoder();
  return ({ batch, wakes }) =>
    Promise.all(decoder.decode(batch).map((write, i) => writer.write(write, wakes[i]).then((applied): WriteResult => applied, resultOf)));
}
