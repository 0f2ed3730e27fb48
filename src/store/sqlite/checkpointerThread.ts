// The checkpoint thread: its own connection to the database file, one PASSIVE checkpoint per
// request. PASSIVE copies what it can without waiting for readers or writers, so the connections
// that commit never wait for it; the copy and the database file's fsync block this thread alone.
import { parentPort, workerData } from 'node:worker_threads';
import { type DatabaseFile, openConnection } from './connection.js';

export type CheckpointRequest = 'checkpoint' | 'close';
/** `frames`: the WAL's frames when it ran; `copied`: how many of them are now in the database file. */
export type CheckpointReply = { frames: number; copied: number } | { error: string };

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
    port.postMessage({ frames: row?.log ?? 0, copied: row?.checkpointed ?? 0 } satisfies CheckpointReply);
  } catch (error) {
    port.postMessage({ error: (error as Error)?.message ?? String(error) } satisfies CheckpointReply);
  }
});
