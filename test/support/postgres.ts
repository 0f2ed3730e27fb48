// PostgreSQL for tests: DATABASE_URL or the local server at 127.0.0.1:5432, a fresh database per
// use (ticket_svc_test_<random>), dropped afterwards. When no PostgreSQL answers, the tests that need
// one are skipped with the reason, never failed.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const POSTGRES_ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export type TestDatabase = { url: string; name: string; drop(): Promise<void> };

let answering: Promise<string | undefined> | undefined;

/** Why PostgreSQL tests cannot run here, or undefined when a server answers. */
export function postgresUnavailable(): Promise<string | undefined> {
  answering ??= (async () => {
    const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return undefined;
    } catch (error) {
      return `no PostgreSQL answers at ${redact(POSTGRES_ADMIN_URL)} (${(error as Error).message}); set DATABASE_URL to a reachable server to run them`;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return answering;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `ticket_svc_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    // FORCE ends the sessions still open (a SIGKILLed service's, a relay's lock connection).
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
