// Relay leadership by a session-level PostgreSQL advisory lock on a connection of its own.
// The lock lives as long as that session: when the leader's process dies, the kernel closes its
// socket, PostgreSQL ends the session and releases the lock, and the next follower to try takes it.
// A leader whose connection breaks stops publishing as soon as it notices (heartbeat or socket
// error); should it have published a little past that point, the new leader's republishes carry
// the same Nats-Msg-Id and JetStream's duplicate window drops them.
import pg from 'pg';
import type { Logger } from 'pino';
import type { RelayLeadership } from '../../events/leadership.js';
import { type ConnectionOptions, clientConfig } from './connection.js';
import { createSleeper } from './sleeper.js';

export type LeadershipOptions = ConnectionOptions & {
  /** How often a follower tries the lock and a leader checks its connection. */
  retryMs?: number;
  /** Replicas sharing one outbox share the lock name. */
  lockName?: string;
  log?: Logger;
  onChange?: (held: boolean) => void;
};

export function startAdvisoryLeadership({ retryMs = 1000, lockName = 'ticket-svc:relay', log, onChange, ...connection }: LeadershipOptions): RelayLeadership {
  const sleeper = createSleeper();
  let stopped = false;
  let held = false;
  // One promise per stretch without leadership, however often a follower asks.
  let acquired: { promise: Promise<void>; resolve: () => void } | undefined;
  let client: pg.Client | undefined;

  const setHeld = (value: boolean) => {
    if (held === value) return;
    held = value;
    log?.info({ operation: 'relay_leadership', held }, held ? 'this relay is the leader' : 'this relay is no longer the leader');
    onChange?.(held);
    if (held) {
      acquired?.resolve();
      acquired = undefined;
    }
  };

  const session = async (): Promise<void> => {
    const config = clientConfig(connection);
    // The server side probes too: should the leader's host vanish without closing its socket, the
    // session (and the lock) ends within about 15 s instead of the operating system's two hours.
    config.options += ' -c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3';
    const c = new pg.Client(config);
    client = c;
    // Any socket failure ends leadership at once, without waiting for the next heartbeat.
    c.on('error', () => setHeld(false));
    c.on('end', () => setHeld(false));
    try {
      await c.connect();
      while (!stopped) {
        const { rows } = await c.query<{ held: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS held', [lockName]);
        if (rows[0]?.held) break;
        await sleeper.sleep(retryMs);
      }
      if (stopped) return;
      setHeld(true);
      while (!stopped) {
        await sleeper.sleep(retryMs);
        if (!stopped) await c.query('SELECT 1');
      }
    } finally {
      setHeld(false);
      client = undefined;
      // Ending the session releases the lock.
      await c.end().catch(() => undefined);
    }
  };

  const running = (async () => {
    while (!stopped) {
      try {
        await session();
      } catch (error) {
        log?.warn({ operation: 'relay_leadership', err: error }, 'leadership connection failed; retrying');
        await sleeper.sleep(retryMs);
      }
    }
  })();

  return {
    held: () => held,
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
      stopped = true;
      sleeper.interrupt();
      setHeld(false);
      await client?.end().catch(() => undefined);
      await running;
    },
  };
}
