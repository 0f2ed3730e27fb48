// The list query both stores run: tenant, filters, keyset position, newest updated_at first.
// Only "has this tag" and full-text search are spelled per dialect (SQLite: json_each, FTS5;
// PostgreSQL: jsonb's `?`, tsvector).
import type { Expression, Kysely, SqlBool } from 'kysely';
import type { ListQuery } from './port.js';
import type { Database } from './schema.js';

export type DialectFilters = {
  hasTag: (tag: string) => Expression<SqlBool>;
  /** Every word occurs in the title or description, as a word prefix. */
  matches: (words: readonly string[]) => Expression<SqlBool>;
};

export function selectPage(db: Kysely<Database>, tenant: string, query: ListQuery, dialect: DialectFilters) {
  let sel = db.selectFrom('tickets').selectAll().where('tenant', '=', tenant);
  if (query.status) sel = sel.where('status', '=', query.status);
  if (query.type) sel = sel.where('type', '=', query.type);
  if (query.priority) sel = sel.where('priority', '=', query.priority);
  if (query.assignee) sel = sel.where('assignee', '=', query.assignee);
  if (query.customerId) sel = sel.where('customer_id', '=', query.customerId);
  if (query.slaState) sel = query.slaState === 'none' ? sel.where('sla_state', 'is', null) : sel.where('sla_state', '=', query.slaState);
  if (query.search) sel = sel.where(dialect.matches(query.search));
  if (query.tag) sel = sel.where(dialect.hasTag(query.tag));
  if (query.after) {
    const { updatedAt, id } = query.after;
    sel = sel.where((eb) => eb.or([eb('updated_at', '<', updatedAt), eb.and([eb('updated_at', '=', updatedAt), eb('id', '<', id)])]));
  }
  return sel.orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(query.limit);
}
