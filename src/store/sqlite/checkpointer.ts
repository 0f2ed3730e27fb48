// Checkpoints the WAL from a thread of its own. Left to SQLite, the connection whose commit takes the
// WAL past 1,000 pages copies them into the database file and fsyncs it inside that commit: with
// commits on the request thread, a stall for every request in flight, several times a second
// under a create load (docs/performance-notes.md). Here a PASSIVE checkpoint, which never makes a
// reader or writer wait, runs in the thread at most every `everyMs` while commits come. The thread
// starts with the first commit and ends after `idleMs` without one, so an idle process does not
// keep its connection and heap.
import { Worker } from 'node:worker_threads';
import type { CheckpointReply, CheckpointRequest } from './checkpointerThread.js';
import type { DatabaseFile } from './connection.js';
import { threadEntry } from './threadEntry.js';

export type CheckpointerOptions = {
  thread: DatabaseFile;
  everyMs: number;
  idleMs?: number;
  /** A checkpoint failed: the first time, then every 100th (a thread that cannot start fails on every try). */
  onFailure?: (error: string) => void;
};

export type CheckpointStats = {
  /** Checkpoints finished; those another connection's checkpoint kept from running; those that failed. */
  runs: number;
  skipped: number;
  failures: number;
  /** The WAL's frames when the last checkpoint ran, and how many of them it had copied. */
  frames: number;
  copied: number;
  /** Whether the thread is up now. */
  threadUp: boolean;
  lastError?: string;
};

export type Checkpointer = {
  /** A batch committed: checkpoint soon. */
  committed(): void;
  stats(): CheckpointStats;
  /** Settles once no checkpoint is due or running. */
  settled(): Promise<void>;
  stop(): Promise<void>;
};

// A connection and the modules it loads; nothing the thread holds grows with the load.
const THREAD_HEAP = { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 };
const THREAD_RETRY_MS = 10_000;

export function startCheckpointer({ thread, everyMs, idleMs = 30_000, onFailure }: CheckpointerOptions): Checkpointer {
  // A thread that goes between two checkpoints would only start again for the next one.
  const quietMs = Math.max(idleMs, 2 * everyMs);
  let worker: Worker | undefined;
  // The thread the checkpoint in flight went to: only its answer, or its end, finishes it.
  let runningOn: Worker | undefined;
  let due = false;
  let stopped = false;
  let lastStart = -Infinity;
  // A thread that failed (say its file is missing) is tried again only after a pause; meanwhile
  // the committing connections' own backstop checkpoints keep the WAL bounded.
  let retryAt = -Infinity;
  let later: NodeJS.Timeout | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  let waiting: Array<() => void> = [];
  const closing = new Set<Promise<void>>();
  const stats: Omit<CheckpointStats, 'threadUp'> = { runs: 0, skipped: 0, failures: 0, frames: 0, copied: 0 };

  const wakeWaiters = () => {
    if (runningOn || due) return;
    const resolved = waiting;
    waiting = [];
    for (const resolve of resolved) resolve();
  };
  const close = (w: Worker | undefined) => {
    if (!w) return;
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    closing.add(exited);
    void exited.then(() => closing.delete(exited));
    w.postMessage('close' satisfies CheckpointRequest);
  };
  // The thread goes once commits have stopped for a while; the next one brings it back.
  const armIdle = () => {
    clearTimeout(idleTimer);
    if (stopped) return;
    idleTimer = setTimeout(() => {
      if (runningOn || due) return armIdle();
      const w = worker;
      worker = undefined;
      close(w);
    }, quietMs);
    idleTimer.unref();
  };
  const finish = (reply: CheckpointReply) => {
    runningOn = undefined;
    if ('error' in reply) {
      stats.failures++;
      stats.lastError = reply.error;
      if (stats.failures % 100 === 1) onFailure?.(reply.error);
    } else if ('busy' in reply) {
      stats.skipped++;
    } else {
      stats.runs++;
      stats.frames = reply.frames;
      stats.copied = reply.copied;
    }
    armIdle();
    if (due) schedule();
    wakeWaiters();
  };
  const spawn = () => {
    const w = new Worker(threadEntry('checkpointerThread'), { workerData: thread, resourceLimits: THREAD_HEAP });
    const ended = (error: string) => {
      if (worker === w) worker = undefined;
      if (runningOn === w) finish({ error });
    };
    w.on('message', (reply: CheckpointReply) => {
      if (runningOn === w) finish(reply);
    });
    w.on('error', (error) => {
      retryAt = performance.now() + THREAD_RETRY_MS;
      ended(error.message);
    });
    w.on('exit', () => ended('the checkpoint thread exited'));
    return w;
  };
  const run = () => {
    later = undefined;
    if (stopped || runningOn || !due) return;
    due = false;
    lastStart = performance.now();
    worker ??= spawn();
    runningOn = worker;
    worker.postMessage('checkpoint' satisfies CheckpointRequest);
  };
  const schedule = () => {
    if (stopped || runningOn || later) return;
    const wait = Math.max(lastStart + everyMs, retryAt) - performance.now();
    if (wait <= 0) return run();
    later = setTimeout(run, wait);
    later.unref();
  };

  return {
    committed() {
      due = true;
      schedule();
    },
    stats: () => ({ ...stats, threadUp: worker !== undefined }),
    settled() {
      if (!runningOn && !due) return Promise.resolve();
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    async stop() {
      stopped = true;
      due = false;
      clearTimeout(later);
      clearTimeout(idleTimer);
      if (runningOn) await new Promise<void>((resolve) => waiting.push(resolve));
      wakeWaiters();
      const w = worker;
      worker = undefined;
      close(w);
      // Threads that went idle may still be closing their connections: the store's own must close last.
      await Promise.all([...closing]);
    },
  };
}
