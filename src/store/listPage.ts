// The list query both stores run: tenant, filters, keyset position, newest updated_at first.
// Only "has this tag" is spelled per dialect (SQLite: json_each; PostgreSQL: jsonb's `?`).
import type { Expression, Kysely, SqlBool } from 'kysely';
import type { ListQuery } from './port.js';
import type { Database } from './schema.js';

export function selectPage(db: Kysely<Database>, tenant: string, query: ListQuery, hasTag: (tag: string) => Expression<SqlBool>) {
  let sel = db.selectFrom('tickets').selectAll().where('tenant', '=', tenant);
  if (query.status) sel = sel.where('status', '=', query.status);
  if (query.type) sel = sel.where('type', '=', query.type);
  if (query.priority) sel = sel.where('priority', '=', query.priority);
  if (query.assignee) sel = sel.where('assignee', '=', query.assignee);
  if (query.customerId) sel = sel.where('customer_id', '=', query.customerId);
  if (query.tag) sel = sel.where(hasTag(query.tag));
  if (query.after) {
    const { updatedAt, id } = query.after;
    sel = sel.where((eb) => eb.or([eb('updated_at', '<', updatedAt), eb.and([eb('updated_at', '=', updatedAt), eb('id', '<', id)])]));
  }
  return sel.orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(query.limit);
}
