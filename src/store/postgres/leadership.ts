// Relay leadership by a session-level PostgreSQL advisory lock on a connection of its own.
// The lock lives as long as that session: when the leader's process dies, the kernel closes its
// socket, PostgreSQL ends the session and releases the lock, and the next follower to try takes it.
// A leader whose connection breaks stops publishing as soon as it notices (heartbeat or socket
// error); should it have published a little past that point, after the new leader reconciled with
// the stream, the new leader's immediate republishes carry the same Nats-Msg-Id and JetStream's
// duplicate window drops them.
import type { Logger } from 'pino';
import type { RelayLeadership } from '../../events/leadership.js';
import { type ConnectionOptions, clientConfig } from './connection.js';
import { runSessions } from './sessions.js';

export type LeadershipOptions = ConnectionOptions & {
  /** How often a follower tries the lock and a leader checks its connection. */
  retryMs?: number;
  /** Replicas sharing one outbox share the lock name. */
  lockName?: string;
  log?: Logger;
  onChange?: (held: boolean) => void;
};

export function startAdvisoryLeadership({ retryMs = 1000, lockName = 'ticket-svc:relay', log, onChange, ...connection }: LeadershipOptions): RelayLeadership {
  let held = false;
  let term = 0;
  // One promise per stretch without leadership, however often a follower asks.
  let acquired: { promise: Promise<void>; resolve: () => void } | undefined;

  const setHeld = (value: boolean) => {
    if (held === value) return;
    held = value;
    if (held) term++;
    log?.info({ operation: 'relay_leadership', held }, held ? 'this relay is the leader' : 'this relay is no longer the leader');
    onChange?.(held);
    if (held) {
      acquired?.resolve();
      acquired = undefined;
    }
  };

  const config = clientConfig(connection);
  // The server side probes too: should the leader's host vanish without closing its socket, the
  // session (and the lock) ends within about 15 s instead of the operating system's two hours.
  config.options += ' -c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3';

  const sessions = runSessions(
    config,
    async (client, pause, stopped) => {
      // Any socket failure ends leadership at once, without waiting for the next heartbeat.
      client.on('error', () => setHeld(false));
      client.on('end', () => setHeld(false));
      try {
        await client.connect();
        while (!stopped()) {
          const { rows } = await client.query<{ held: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS held', [lockName]);
          if (rows[0]?.held) break;
          await pause.sleep(retryMs);
        }
        if (stopped()) return;
        setHeld(true);
        while (!stopped()) {
          await pause.sleep(retryMs);
          if (!stopped()) await client.query('SELECT 1');
        }
      } finally {
        // Ending the session (runSessions does) releases the lock.
        setHeld(false);
      }
    },
    { retryMs, onError: (err) => log?.warn({ operation: 'relay_leadership', err }, 'leadership connection failed; retrying') },
  );

  return {
    held: () => held,
    term: () => term,
    acquired() {
      if (held) return Promise.resolve();
      if (!acquired) {
        let resolve!: () => void;
        const promise = new Promise<void>((r) => (resolve = r));
        acquired = { promise, resolve };
      }
      return acquired.promise;
    },
    async stop() {
      setHeld(false);
      await sessions.stop();
    },
  };
}
