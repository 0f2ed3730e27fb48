// Checkpoints the WAL from a thread of its own. Left to SQLite, the connection whose commit takes the
// WAL past 1,000 pages copies them into the database file and fsyncs it inside that commit: with
// commits on the request thread, a 5–20 ms stall for every request in flight, several times a
// second under a create load (README, Performance). Here a PASSIVE checkpoint, which never makes a
// reader or writer wait, runs in the thread at most every `everyMs` while commits come. The thread
// starts with the first commit and ends after `idleMs` without one, so an idle process does not
// keep its connection and heap (~8 MB).
import { Worker } from 'node:worker_threads';
import type { CheckpointReply, CheckpointRequest } from './checkpointerThread.js';
import type { DatabaseFile } from './connection.js';
import { threadEntry } from './threadEntry.js';

export type CheckpointerOptions = {
  thread: DatabaseFile;
  everyMs: number;
  idleMs?: number;
};

export type CheckpointStats = {
  /** Checkpoints finished, and those that failed. */
  runs: number;
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

export function startCheckpointer({ thread, everyMs, idleMs = 30_000 }: CheckpointerOptions): Checkpointer {
  let worker: Worker | undefined;
  let running = false;
  let due = false;
  let stopped = false;
  let lastStart = -Infinity;
  // A thread that failed (say its file is missing) is tried again only after a pause; meanwhile
  // the committing connections' own backstop checkpoints keep the WAL bounded.
  let retryAt = -Infinity;
  let later: NodeJS.Timeout | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  let waiting: Array<() => void> = [];
  const stats: CheckpointStats = { runs: 0, failures: 0, frames: 0, copied: 0, threadUp: false };

  const wakeWaiters = () => {
    if (running || due) return;
    const resolved = waiting;
    waiting = [];
    for (const resolve of resolved) resolve();
  };
  const finish = (reply: CheckpointReply) => {
    running = false;
    if ('error' in reply) {
      stats.failures++;
      stats.lastError = reply.error;
    } else {
      stats.runs++;
      stats.frames = reply.frames;
      stats.copied = reply.copied;
    }
    if (due) schedule();
    wakeWaiters();
  };
  const spawn = () => {
    const w = new Worker(threadEntry('checkpointerThread'), { workerData: thread, resourceLimits: THREAD_HEAP });
    w.on('message', finish);
    w.on('error', (error) => {
      if (worker === w) worker = undefined;
      retryAt = performance.now() + THREAD_RETRY_MS;
      if (running) finish({ error: error.message });
    });
    w.on('exit', () => {
      if (worker === w) worker = undefined;
      stats.threadUp = worker !== undefined;
      if (running) finish({ error: 'the checkpoint thread exited' });
    });
    stats.threadUp = true;
    return w;
  };
  const close = (w: Worker | undefined) => {
    if (!w) return Promise.resolve();
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    w.postMessage('close' satisfies CheckpointRequest);
    return exited;
  };
  const run = () => {
    later = undefined;
    if (stopped || running || !due) return;
    due = false;
    running = true;
    lastStart = performance.now();
    worker ??= spawn();
    worker.postMessage('checkpoint' satisfies CheckpointRequest);
    // The thread goes once commits have stopped for a while; the next one brings it back.
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      if (running || due) return;
      const w = worker;
      worker = undefined;
      void close(w);
    }, idleMs);
    idleTimer.unref();
  };
  const schedule = () => {
    if (stopped || running || later) return;
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
    stats: () => ({ ...stats }),
    settled() {
      if (!running && !due) return Promise.resolve();
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    async stop() {
      stopped = true;
      due = false;
      clearTimeout(later);
      clearTimeout(idleTimer);
      if (running) await new Promise<void>((resolve) => waiting.push(resolve));
      wakeWaiters();
      const w = worker;
      worker = undefined;
      await close(w);
    },
  };
}
