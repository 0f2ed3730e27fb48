// The shared rate limiter: each tenant's GCRA tat in the rate_limits table, spent by one atomic
// statement on the database clock, so every replica draws on the same budget. A database that
// cannot answer lets requests through (fail open), logged once per outage. The table comes with the
// store's migrations (run at start, or on the store's first use when the database was away then).
import pg from 'pg';
import type { Logger } from 'pino';
import { type RatePolicy, decisionOf, unlimited } from '../../rateLimit/gcra.js';
import type { RateLimiter } from '../../rateLimit/port.js';
import { type ConnectionOptions, clientConfig } from './connection.js';

/** A few connections of its own: a busy store pool never delays the limit, and one row update is quick. */
const POOL_SIZE = 4;
/** A database that does not answer within this is away: the request goes on without waiting longer. */
const TIMEOUT_MS = 1000;
/** While the database is away, it is asked again at most this often; requests meanwhile pass at once. */
const RETRY_MS = 1000;
const PURGE_EVERY_MS = 10 * 60_000;

/**
 * GCRA in one statement, times in nanoseconds since the epoch by the database clock ($2: the
 * interval, $3: burst × interval). The upsert spends an interval only while the tat stays within
 * the burst; a refused request writes nothing (ON CONFLICT … WHERE) and reads the tat as it was.
 * `used` is how many intervals of the burst are taken after the request.
 */
const TAKE = `
WITH clock AS (SELECT (extract(epoch FROM statement_timestamp()) * 1000000000)::bigint AS now),
taken AS (
  INSERT INTO rate_limits AS r (tenant, tat)
  SELECT $1::text, clock.now + $2::bigint FROM clock
  ON CONFLICT (tenant) DO UPDATE SET tat = greatest(r.tat + $2::bigint, excluded.tat)
    WHERE greatest(r.tat + $2::bigint, excluded.tat) <= excluded.tat - $2::bigint + $3::bigint
  RETURNING tat
)
SELECT (SELECT tat FROM taken) IS NOT NULL AS allowed,
  greatest(coalesce((SELECT tat FROM taken), (SELECT tat FROM rate_limits WHERE tenant = $1::text), clock.now) - clock.now, 0)::float8
    / $2::bigint AS used
FROM clock`;

export function openPostgresRateLimiter(policy: RatePolicy, { log, ...connection }: ConnectionOptions & { log: Logger }): RateLimiter {
  const pool = new pg.Pool({
    ...clientConfig(connection),
    max: POOL_SIZE,
    connectionTimeoutMillis: TIMEOUT_MS,
    statement_timeout: TIMEOUT_MS,
    query_timeout: TIMEOUT_MS,
  });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const intervalNs = BigInt(Math.max(1, Math.round(1e9 / policy.perSecond)));
  const params = [intervalNs.toString(), (intervalNs * BigInt(policy.burst)).toString()];
  let awaySince: number | undefined;
  // A row whose tat has passed holds a full budget, the same as no row: removing it keeps the table
  // as small as the set of tenants active lately, whatever tenant ids clients make up.
  const purge = setInterval(() => {
    pool.query('DELETE FROM rate_limits WHERE tat < (extract(epoch FROM statement_timestamp()) * 1000000000)::bigint').catch(() => undefined);
  }, PURGE_EVERY_MS);
  purge.unref();

  const take = async (tenant: string) => {
    const { rows } = await pool.query<{ allowed: boolean; used: number }>({ name: 'ticket_svc_rate_limit_take', text: TAKE, values: [tenant, ...params] });
    const row = rows[0]!;
    return decisionOf(policy, row.allowed, row.used);
  };

  return {
    async take(tenant) {
      if (awaySince !== undefined && Date.now() - awaySince < RETRY_MS) return unlimited(policy);
      try {
        const decision = await take(tenant);
        if (awaySince !== undefined) log.info({ operation: 'rate_limit' }, 'the shared rate limit answers again');
        awaySince = undefined;
        return decision;
      } catch (error) {
        if (awaySince === undefined)
          log.warn({ operation: 'rate_limit', err: error }, 'the shared rate limit cannot be read; requests pass unlimited until it can');
        awaySince = Date.now();
        return unlimited(policy);
      }
    },
    close: () => {
      clearInterval(purge);
      return pool.end();
    },
  };
}
