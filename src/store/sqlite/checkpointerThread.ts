// The checkpoint thread: its own connection to the database file, one PASSIVE checkpoint per
// request. PASSIVE copies what it can without waiting for readers or writers, so the connections
// that commit never wait for it; the copy and the database file's fsync block this thread alone.
import { parentPort, workerData } from 'node:worker_threads';
import { type DatabaseFile, openConnection } from './connection.js';

export type CheckpointRequest = 'checkpoint' | 'close';
/**
 * `frames`: the WAL's frames when it ran; `copied`: how many of them are now in the database file.
 * `busy`: another connection was checkpointing (a commit's backstop, another process), nothing done.
 */
export type CheckpointReply = { frames: number; copied: number } | { busy: true } | { error: string };

const { path, ...options } = workerData as DatabaseFile;
const db = openConnection(path, options);
const port = parentPort!;

port.on('message', (message: CheckpointRequest) => {
  if (message === 'close') {
    db.close();
    port.close();
    return;
  }
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
    // SQLite answers -1 frames when the checkpoint lock was held.
    const reply: CheckpointReply = !row || row.log < 0 ? { busy: true } : { frames: row.log, copied: row.checkpointed };
    port.postMessage(reply);
  } catch (error) {
    port.postMessage({ error: (error as Error)?.message ?? String(error) } satisfies CheckpointReply);
  }
});
