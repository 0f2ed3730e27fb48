// The writer thread: its own connection to the database file, running each batch the request
// thread sends as one transaction. Statements and the commit's fsync block this thread, not the
// one answering HTTP.
import { parentPort, workerData } from 'node:worker_threads';
import { type DatabaseFile, openConnection } from './connection.js';
import { type WireBatch, createBatchDecoder } from './batchWire.js';
import { createBatchRunner } from './writeBatch.js';

export type WriterThreadData = DatabaseFile;
export type WriterRequest = { batch: WireBatch } | { close: true };

const { path, ...options } = workerData as WriterThreadData;
const db = openConnection(path, options);
const runner = createBatchRunner(db);
const wire = createBatchDecoder();
const port = parentPort!;

port.on('message', (message: WriterRequest) => {
  if ('close' in message) {
    db.close();
    port.close();
    return;
  }
  port.postMessage({ results: runner.run(wire.decode(message.batch)) });
});
