// Connections to PostgreSQL: the pool's settings and value parsing, and how driver errors are read.
import pg from 'pg';

export type ConnectionOptions = { url: string; poolSize?: number; applicationName?: string };

const TIMESTAMPTZ = 1184;
const JSONB = 3802;

/**
 * Values come back the way the shared row mapping (../rows.ts) expects them from either store:
 * timestamps as RFC 3339 UTC strings with milliseconds, the jsonb tags as their JSON text.
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === TIMESTAMPTZ) return toRfc3339;
    if (oid === JSONB) return (text: string) => text;
    return pg.types.getTypeParser(oid, format);
  },
};

/** `2026-01-01 10:00:00.12+00` (the session runs in UTC) → `2026-01-01T10:00:00.120Z`. */
export function toRfc3339(text: string): string {
  return new Date(text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')).toISOString();
}

export function clientConfig({ url, applicationName = 'ticket-svc' }: ConnectionOptions): pg.ClientConfig {
  return {
    connectionString: url,
    application_name: applicationName,
    options: '-c TimeZone=UTC',
    types,
    connectionTimeoutMillis: 5000,
    // A peer that vanished without closing its socket is noticed, and its locks are released.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}

export function createPool(options: ConnectionOptions, onIdleError: (error: Error) => void): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(options), max: options.poolSize ?? 10, idleTimeoutMillis: 30_000 });
  // A client whose server went away while it had no query running emits 'error' (on the pool when
  // idle, on itself when checked out); unhandled, either would end the process. The next query on it
  // fails and the pool replaces it.
  pool.on('error', onIdleError);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/**
 * Whether the error is the database as a whole failing (down, refusing, restarting, out of
 * connections or disk), as opposed to this statement being wrong.
 */
export function isStoreWide(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string') {
    // Node's socket errors (ECONNREFUSED, ECONNRESET, ETIMEDOUT, …) and SQLSTATE classes 08
    // (connection), 53 (resources), 57 (operator intervention), 58 (system), 40 (rollback: a
    // deadlock or serialization failure is retried by the client after the 503).
    if (/^E[A-Z]+$/.test(code) || /^(08|53|57|58|40)/.test(code)) return true;
  }
  const message = (error as Error)?.message ?? '';
  return /Connection terminated|timeout exceeded when trying to connect|connection error|Client was closed|not queryable/i.test(message);
}

/** The unique constraint a statement violated, if that is what failed. */
export function violatedConstraint(error: unknown): string | undefined {
  const e = error as { code?: unknown; constraint?: unknown };
  return e?.code === '23505' && typeof e.constraint === 'string' ? e.constraint : undefined;
}
