// A fresh PostgreSQL database for one benchmark run, dropped at the end, and the local server's
// processes that work for it, found in /proc by their command name.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { allPids, procText } from './procfs.js';

export type BenchDatabase = { name: string; url: string; drop(): Promise<void> };

/** `adminUrl` names a server and a database to connect to for CREATE and DROP DATABASE. */
export async function createBenchDatabase(adminUrl: string): Promise<BenchDatabase> {
  const name = `ticket_svc_bench_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  // The name is ours (letters, digits, underscores): no quoting needed.
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    // FORCE: the service's pool may still hold a connection for a moment after it exits.
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

export type PostgresProcesses = {
  /** Backends connected to `database` (and autovacuum workers on it). */
  backends: number[];
  /** The server's own processes: postmaster, WAL writer, checkpointer, background writer, … */
  server: number[];
};

/**
 * The local server's processes by what they do for `database`. Backends of other databases are
 * left out: tests may use the same server meanwhile. The server's own processes work for every
 * database, so theirs is an upper bound on what this one cost.
 */
export function postgresProcesses(database: string): PostgresProcesses {
  const found: PostgresProcesses = { backends: [], server: [] };
  for (const pid of allPids()) {
    if (procText(pid, 'comm')?.trim() !== 'postgres') continue;
    // A backend's title: "postgres: <cluster>: <user> <database> <client>(<port>) <state>".
    const title = (procText(pid, 'cmdline') ?? '').replaceAll('\0', ' ');
    if (title.split(' ').includes(database)) found.backends.push(pid);
    else if (!/\(\d+\)|\[local\]/.test(title)) found.server.push(pid);
  }
  return found;
}
