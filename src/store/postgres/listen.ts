// LISTEN on a connection of its own: a NOTIFY sent inside another process's transaction arrives
// when that transaction commits, so a relay anywhere wakes without waiting for its poll. When the
// connection drops it reconnects and reports one wake-up (commits may have happened meanwhile);
// the relay's poll covers the gap.
import pg from 'pg';
import type { Logger } from 'pino';
import { type ConnectionOptions, clientConfig } from './connection.js';
import { type Sessions, runSessions } from './sessions.js';

export function listenForNotifications(
  connection: ConnectionOptions,
  channel: string,
  onNotify: () => void,
  { retryMs = 1000, log }: { retryMs?: number; log?: Logger | undefined } = {},
): Sessions {
  return runSessions(
    clientConfig(connection),
    async (client) => {
      const closed = new Promise<void>((resolve) => {
        client.on('error', () => resolve());
        client.on('end', () => resolve());
      });
      client.on('notification', () => onNotify());
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      onNotify();
      await closed;
    },
    { retryMs, onError: (err) => log?.warn({ operation: 'store_listen', err }, 'LISTEN connection failed; relays fall back to polling until it is back') },
  );
}
