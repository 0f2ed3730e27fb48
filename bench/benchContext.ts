// What the phases of one run share: the mode, progress lines, clean-ups, a scratch directory, the
// nats-server and how the load generator runs.
import type { JetStreamManager } from '@nats-io/jetstream';

export type BenchContext = {
  quick: boolean;
  say(text: string): void;
  /** Runs at the end, newest first, whether the run finished, failed or was interrupted. */
  onCleanup(fn: () => unknown): void;
  tmp: string;
  nats: { url: string; pid: number; bin: string };
  jsm: JetStreamManager;
  connections: number;
  /** autocannon worker threads for the measured loads; undefined: the bench's own thread. */
  loadWorkers: number | undefined;
  cores: number;
};

/** Deletes a stream if it is there: each service of a run starts on an empty one, so the backlog counts only its own events. */
export async function dropStream(jsm: JetStreamManager, name: string): Promise<void> {
  try {
    await jsm.streams.delete(name);
  } catch (error) {
    if (!/not found/i.test((error as Error).message)) throw error;
  }
}
