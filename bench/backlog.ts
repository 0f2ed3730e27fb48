// Outbox backlog after load: events committed in the service's SQLite file minus messages in the stream (gauge as cross-check).
import type { JetStreamManager } from '@nats-io/jetstream';
import BetterSqlite3 from 'better-sqlite3';

export type Backlog = {
  /** committed − inStream: events the stream does not have yet. */
  missing: number;
  committed: number;
  inStream: number;
  /** Rows still marked unpublished (acked-but-not-yet-marked counts here, not above). */
  unmarked: number;
  gauge: number | undefined;
};

export async function measureBacklog(plan: { jsm: JetStreamManager; stream: string; dbPath: string; metricsUrl: string }): Promise<Backlog> {
  // Stream first, then the file: an event published in between makes the figure larger, never smaller.
  const inStream = (await plan.jsm.streams.info(plan.stream)).state.messages;
  const { committed, unmarked } = countEvents(plan.dbPath);
  return { missing: committed - inStream, committed, inStream, unmarked, gauge: await scrapeGauge(plan.metricsUrl, 'outbox_backlog') };
}

/** Read-only count of the outbox table; WAL lets this run beside the service's own connection. */
export function countEvents(dbPath: string): { committed: number; unmarked: number } {
  const db = new BetterSqlite3(dbPath, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT count(*) AS committed, count(*) FILTER (WHERE seq > (SELECT seq FROM relay_cursor)) AS unmarked FROM events').get() as {
      committed: number;
      unmarked: number;
    };
    return row;
  } finally {
    db.close();
  }
}

async function scrapeGauge(url: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(url, { signal: AbortSignal.timeout(2000) })).text();
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}
