// An API worker's link to its primary: the shared writer, the shared rate limit, and the group's
// readiness and metrics, all asked over the IPC channel cluster opened.
import type { RateLimiter } from '../rateLimit/port.js';
import { type Writer, startWriter } from '../store/sqlite/writer.js';
import type { MetricsJson, PrimaryMethods, Readiness } from './protocol.js';
import { StoreUnavailableError } from '../store/port.js';
import { ChannelClosedError, NoAnswerError, type Rpc, createRpc } from './rpc.js';

/** The primary asks every worker in turn; it gets longer than each of those questions. */
const READY_TIMEOUT_MS = 5000;

export type PrimaryLink = {
  writer: Writer;
  rateLimiter: RateLimiter;
  /** The whole group's readiness. */
  readiness(): Promise<Readiness>;
  /** The whole group's metrics, in Prometheus text. */
  metricsText(): Promise<string>;
  listening(port: number): Promise<void>;
};

/** What this worker tells the primary when asked; set once the worker's parts exist. */
export type WorkerAnswers = { readiness: () => Promise<Readiness>; metrics: () => Promise<MetricsJson> };

export function connectToPrimary(answers: () => WorkerAnswers): PrimaryLink {
  const channel = {
    send: (message: unknown) => {
      if (!process.send) throw new Error('no IPC channel: not a worker');
      return process.send(message);
    },
    on: (event: 'message', listener: (message: unknown) => void) => process.on(event, listener),
  };
  const rpc: Rpc<PrimaryMethods> = createRpc<PrimaryMethods>(channel, {
    ready: () => answers().readiness(),
    metrics: () => answers().metrics(),
  });
  process.once('disconnect', () => rpc.close());
  // The primary away or stopping: the shared store is unavailable (503), not a defect (500).
  const unavailable = (error: unknown): never => {
    throw error instanceof ChannelClosedError || error instanceof NoAnswerError ? new StoreUnavailableError(error) : error;
  };
  return {
    // No relay runs in a worker: nothing here waits for its commits.
    writer: startWriter({ mode: 'shared', send: (writes) => rpc.call('writes', writes), onCommit: () => undefined }),
    rateLimiter: { take: (tenant) => rpc.call('rateTake', tenant).catch(unavailable), close: async () => undefined },
    readiness: () => rpc.call('ready', null, READY_TIMEOUT_MS).catch((error: unknown) => ({ ok: false, checks: { primary: (error as Error).message } })),
    metricsText: () => rpc.call('metrics', null, READY_TIMEOUT_MS).catch(unavailable),
    listening: async (port) => {
      await rpc.call('listening', port);
    },
  };
}
