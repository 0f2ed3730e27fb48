// One SQLite connection as every part of the store opens it: WAL, the chosen sync level, a busy timeout.
import BetterSqlite3 from 'better-sqlite3';

export type ConnectionOptions = {
  synchronous: 'FULL' | 'NORMAL';
  busyTimeoutMs: number;
  /**
   * The WAL size (pages) past which a commit on this connection checkpoints the WAL itself, inside
   * the commit. SQLite's default is 1,000; with the checkpointer thread it is a backstop. The WAL
   * file is also cut back to twice that when it starts over.
   */
  autoCheckpointPages?: number | undefined;
};

/** A database file and how to open it: what a thread needs to open its own connection. */
export type DatabaseFile = ConnectionOptions & { path: string };

export function openConnection(path: string, { synchronous, busyTimeoutMs, autoCheckpointPages }: ConnectionOptions): BetterSqlite3.Database {
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
  if (autoCheckpointPages !== undefined) {
    db.pragma(`wal_autocheckpoint = ${Math.trunc(autoCheckpointPages)}`);
    // A WAL that grew to the backstop once is cut back when it starts over, not kept at its largest.
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    db.pragma(`journal_size_limit = ${2 * Math.trunc(autoCheckpointPages) * pageSize}`);
  }
  return db;
}
