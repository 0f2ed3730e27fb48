// One SQLite connection as every part of the store opens it: WAL, the chosen sync level, a busy timeout.
import BetterSqlite3 from 'better-sqlite3';

export type ConnectionOptions = { synchronous: 'FULL' | 'NORMAL'; busyTimeoutMs: number };

export function openConnection(path: string, { synchronous, busyTimeoutMs }: ConnectionOptions): BetterSqlite3.Database {
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
  return db;
}
