// LISTEN on a connection of its own: a NOTIFY sent inside another process's transaction arrives
// when that transaction commits, so a relay anywhere wakes without waiting for its poll. When the
// connection drops it reconnects and reports one wake-up (commits may have happened meanwhile);
// the relay's poll covers the gap.
import pg from 'pg';
import type { Logger } from 'pino';
import { type ConnectionOptions, clientConfig } from './connection.js';
import { createSleeper } from './sleeper.js';

export type Listening = { stop(): Promise<void> };

export function listenForNotifications(
  connection: ConnectionOptions,
  channel: string,
  onNotify: () => void,
  { retryMs = 1000, log }: { retryMs?: number; log?: Logger | undefined } = {},
): Listening {
  const sleeper = createSleeper();
  let stopped = false;
  let client: pg.Client | undefined;

  const session = async (): Promise<void> => {
    const c = new pg.Client(clientConfig(connection));
    client = c;
    const closed = new Promise<void>((resolve) => {
      c.on('error', () => resolve());
      c.on('end', () => resolve());
    });
    c.on('notification', () => onNotify());
    try {
      await c.connect();
      await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      onNotify();
      await closed;
    } finally {
      client = undefined;
      await c.end().catch(() => undefined);
    }
  };

  const running = (async () => {
    while (!stopped) {
      try {
        await session();
      } catch (error) {
        if (!stopped) log?.warn({ operation: 'store_listen', err: error }, 'LISTEN connection failed; relays fall back to polling until it is back');
      }
      await sleeper.sleep(retryMs);
    }
  })();

  return {
    async stop() {
      stopped = true;
      sleeper.interrupt();
      await client?.end().catch(() => undefined);
      await running;
    },
  };
}
