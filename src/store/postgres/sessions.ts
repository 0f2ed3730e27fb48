// A connection of its own for a background duty (LISTEN, the relay lock), opened again whenever it
// is lost: runs `session` on a fresh client until stopped, pausing between attempts.
import pg from 'pg';
import { type Pause, createPause } from '../../pause.js';

export type Sessions = { stop(): Promise<void> };

export function runSessions(
  config: pg.ClientConfig,
  /** Connects the client it is given and returns when the session is over (or throws). */
  session: (client: pg.Client, pause: Pause, stopped: () => boolean) => Promise<void>,
  { retryMs, onError }: { retryMs: number; onError: (error: unknown) => void },
): Sessions {
  const pause = createPause();
  let stopped = false;
  let current: pg.Client | undefined;
  const once = async () => {
    const client = new pg.Client(config);
    current = client;
    // Socket failures surface through the session's queries and 'end'; unhandled, 'error' would end the process.
    client.on('error', () => undefined);
    try {
      await session(client, pause, () => stopped);
    } finally {
      current = undefined;
      await client.end().catch(() => undefined);
    }
  };
  const running = (async () => {
    while (!stopped) {
      try {
        await once();
      } catch (error) {
        if (!stopped) onError(error);
      }
      await pause.sleep(retryMs);
    }
  })();
  return {
    async stop() {
      stopped = true;
      pause.interrupt();
      await current?.end().catch(() => undefined);
      await running;
    },
  };
}
