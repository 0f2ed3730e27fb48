// SQLite full-text search: the FTS5 query syntax for a list's search words, and the steps that keep
// the index in step with the tickets table. The store adds these steps to its own writes rather
// than leaving them to triggers: FTS5 flushes its pending terms at every savepoint, and a trigger's
// statement opens one, so a trigger-kept index writes a segment per ticket (twice the cost of the
// insert it rides on, measured).
import type { TicketRow } from '../schema.js';
import type { Step } from './writeBatch.js';

/** Every word as a quoted prefix, implicitly AND-ed; quoting keeps FTS operators out of user input. */
export function fts5Query(words: readonly string[]): string {
  return words.map((w) => `"${w.replaceAll('"', '""')}"*`).join(' ');
}

type Text = Pick<TicketRow, 'tenant' | 'id' | 'title' | 'description'>;

const KEY = 'SELECT k FROM ticket_search_keys WHERE tenant = ? AND id = ?';

/** A new ticket's text: its key row, then the index entry under that key's rowid. */
export function indexSteps(t: Text): Step[] {
  return [
    { sql: 'INSERT INTO ticket_search_keys (tenant, id) VALUES (?, ?)', params: [t.tenant, t.id] },
    { sql: 'INSERT INTO tickets_fts (rowid, title, description) VALUES (last_insert_rowid(), ?, ?)', params: [t.title, t.description ?? ''] },
  ];
}

/** A changed ticket's text; nothing when title and description stayed as they were. */
export function reindexSteps(before: Pick<Text, 'title' | 'description'>, after: Text): Step[] {
  if (before.title === after.title && before.description === after.description) return [];
  return [
    {
      sql: `INSERT OR REPLACE INTO tickets_fts (rowid, title, description) VALUES ((${KEY}), ?, ?)`,
      params: [after.tenant, after.id, after.title, after.description ?? ''],
    },
  ];
}

export function unindexSteps(key: { tenant: string; id: string }): Step[] {
  return [
    { sql: `DELETE FROM tickets_fts WHERE rowid = (${KEY})`, params: [key.tenant, key.id] },
    { sql: 'DELETE FROM ticket_search_keys WHERE tenant = ? AND id = ?', params: [key.tenant, key.id] },
  ];
}

export const clearIndexSteps: readonly Step[] = [
  { sql: "INSERT INTO tickets_fts (tickets_fts) VALUES ('delete-all')", params: [] },
  { sql: 'DELETE FROM ticket_search_keys', params: [] },
];
