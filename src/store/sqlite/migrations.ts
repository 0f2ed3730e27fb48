// SQLite schema migrations, run in order at start by Kysely's migrator.
import { type Kysely, type Migration, sql } from 'kysely';

export const sqliteMigrations: Record<string, Migration> = {
  '0001_tickets_events_idempotency': {
    async up(db: Kysely<unknown>) {
      await sql`CREATE TABLE tickets (
        tenant TEXT NOT NULL,
        id TEXT NOT NULL,
        title TEXT NOT NULL,
        description TEXT,
        created_by TEXT NOT NULL,
        type TEXT NOT NULL,
        priority TEXT NOT NULL,
        status TEXT NOT NULL,
        customer_id TEXT,
        customer_tier TEXT NOT NULL,
        assignee TEXT,
        tags TEXT NOT NULL DEFAULT '[]',
        external_id TEXT,
        escalation_level INTEGER NOT NULL DEFAULT 0,
        version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        resolved_at TEXT,
        closed_at TEXT,
        PRIMARY KEY (tenant, id)
      ) WITHOUT ROWID`.execute(db);
      await sql`CREATE INDEX tickets_by_recency ON tickets (tenant, updated_at DESC, id DESC)`.execute(db);
      await sql`CREATE UNIQUE INDEX tickets_by_external_id ON tickets (tenant, external_id) WHERE external_id IS NOT NULL`.execute(db);
      await sql`CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL,
        tenant TEXT NOT NULL,
        ticket_id TEXT,
        version INTEGER,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        schema TEXT NOT NULL,
        correlation_id TEXT NOT NULL,
        actor TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        payload BLOB NOT NULL,
        published_at TEXT
      )`.execute(db);
      // No index on event_id: UUIDv7s are unique by construction and nothing looks one up;
      // every index is one more b-tree write per event on the hot path.
      await sql`CREATE INDEX events_by_ticket ON events (tenant, ticket_id, seq)`.execute(db);
      await sql`CREATE INDEX events_pending ON events (seq) WHERE published_at IS NULL`.execute(db);
      await sql`CREATE TABLE idempotency_keys (
        tenant TEXT NOT NULL,
        key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        ticket_id TEXT NOT NULL,
        response TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (tenant, key)
      ) WITHOUT ROWID`.execute(db);
      await sql`CREATE INDEX idempotency_by_age ON idempotency_keys (created_at)`.execute(db);
    },
  },
  // The consumers' tables (issue 4): what each consumer has processed, the audit log, webhook
  // targets and the notification dedupe claims.
  '0002_consumers_audit_webhooks': {
    async up(db: Kysely<unknown>) {
      await sql`CREATE TABLE processed_events (
        consumer TEXT NOT NULL,
        event_id TEXT NOT NULL,
        processed_at TEXT NOT NULL,
        PRIMARY KEY (consumer, event_id)
      ) WITHOUT ROWID`.execute(db);
      await sql`CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL UNIQUE,
        tenant TEXT NOT NULL,
        ticket_id TEXT,
        ticket_version INTEGER,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        correlation_id TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}'
      )`.execute(db);
      await sql`CREATE INDEX audit_by_tenant ON audit_log (tenant, seq)`.execute(db);
      await sql`CREATE INDEX audit_by_ticket ON audit_log (tenant, ticket_id, seq)`.execute(db);
      await sql`CREATE INDEX audit_by_actor ON audit_log (tenant, actor, seq)`.execute(db);
      await sql`CREATE TABLE webhooks (
        tenant TEXT NOT NULL,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        url TEXT NOT NULL,
        events TEXT NOT NULL,
        secret TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (tenant, id)
      ) WITHOUT ROWID`.execute(db);
      await sql`CREATE TABLE notification_claims (
        tenant TEXT NOT NULL,
        ticket_id TEXT NOT NULL,
        reason TEXT NOT NULL,
        event_id TEXT NOT NULL,
        claimed_at TEXT NOT NULL,
        PRIMARY KEY (tenant, ticket_id, reason)
      ) WITHOUT ROWID`.execute(db);
    },
  },
  '0003_sla_and_tenant_settings': {
    async up(db: Kysely<unknown>) {
      await sql`ALTER TABLE tickets ADD COLUMN sla TEXT`.execute(db);
      await sql`ALTER TABLE tickets ADD COLUMN sla_state TEXT`.execute(db);
      await sql`ALTER TABLE tickets ADD COLUMN sla_next_due_at TEXT`.execute(db);
      // The scheduler asks only for tickets whose next threshold has passed.
      await sql`CREATE INDEX tickets_by_sla_due ON tickets (sla_next_due_at) WHERE sla_next_due_at IS NOT NULL`.execute(db);
      await sql`CREATE INDEX tickets_by_sla_state ON tickets (tenant, sla_state, sla_next_due_at)`.execute(db);
      await sql`CREATE TABLE tenant_settings (
        tenant TEXT NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (tenant, name)
      ) WITHOUT ROWID`.execute(db);
    },
  },
  '0004_ticket_search': {
    async up(db: Kysely<unknown>) {
      // Full-text search over title and description, kept by triggers in the ticket's own
      // transaction. FTS5 rows need an integer key and tickets have none (WITHOUT ROWID), so a
      // small table hands one out per ticket. Plain SQL: any SQLite client may write tickets.
      // Contentless: the text is in tickets already, so a copy would be written twice per create.
      await sql`CREATE TABLE ticket_search_keys (k INTEGER PRIMARY KEY, tenant TEXT NOT NULL, id TEXT NOT NULL, UNIQUE (tenant, id))`.execute(db);
      await sql`CREATE VIRTUAL TABLE tickets_fts USING fts5(title, description, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2')`.execute(
        db,
      );
      await sql`INSERT INTO ticket_search_keys (tenant, id) SELECT tenant, id FROM tickets`.execute(db);
      await sql`INSERT INTO tickets_fts (rowid, title, description)
        SELECT k.k, t.title, coalesce(t.description, '') FROM tickets t JOIN ticket_search_keys k ON k.tenant = t.tenant AND k.id = t.id`.execute(db);
      await sql`CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
        INSERT INTO ticket_search_keys (tenant, id) VALUES (new.tenant, new.id);
        INSERT INTO tickets_fts (rowid, title, description) VALUES (last_insert_rowid(), new.title, coalesce(new.description, ''));
      END`.execute(db);
      await sql`CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN
        DELETE FROM tickets_fts WHERE rowid = (SELECT k FROM ticket_search_keys WHERE tenant = old.tenant AND id = old.id);
        DELETE FROM ticket_search_keys WHERE tenant = old.tenant AND id = old.id;
      END`.execute(db);
      await sql`CREATE TRIGGER tickets_fts_update AFTER UPDATE OF title, description ON tickets
        WHEN old.title IS NOT new.title OR old.description IS NOT new.description BEGIN
        INSERT OR REPLACE INTO tickets_fts (rowid, title, description)
        VALUES ((SELECT k FROM ticket_search_keys WHERE tenant = new.tenant AND id = new.id), new.title, coalesce(new.description, ''));
      END`.execute(db);
    },
  },
  '0005_github_link': {
    async up(db: Kysely<unknown>) {
      await sql`ALTER TABLE tickets ADD COLUMN github_issue TEXT`.execute(db);
    },
  },
  // The store keeps the search index itself (see search.ts): these triggers cost twice the insert.
  '0006_search_index_without_triggers': {
    async up(db: Kysely<unknown>) {
      await sql`DROP TRIGGER tickets_fts_insert`.execute(db);
      await sql`DROP TRIGGER tickets_fts_delete`.execute(db);
      await sql`DROP TRIGGER tickets_fts_update`.execute(db);
    },
  },
  // Marking each published event rewrote its row and a partial index: about a fifth of the bytes a
  // create writes. SQLite commits one writer at a time, so seq order is commit order and the relay
  // publishes a prefix of it: one cursor says as much. It starts before the oldest unmarked event.
  // Kysely runs SQLite migrations outside a transaction: each statement may run again after a crash.
  '0007_relay_cursor': {
    async up(db: Kysely<unknown>) {
      await sql`CREATE TABLE IF NOT EXISTS relay_cursor (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL)`.execute(db);
      await sql`INSERT OR IGNORE INTO relay_cursor (id, seq) VALUES (1, coalesce(
        (SELECT min(seq) - 1 FROM events WHERE published_at IS NULL),
        (SELECT max(seq) FROM events),
        0))`.execute(db);
      await sql`DROP INDEX IF EXISTS events_pending`.execute(db);
    },
  },
  '0008_status_changed_at_automations': {
    async up(db: Kysely<unknown>) {
      await addStatusChangedAt(db);
      await sql`CREATE TABLE IF NOT EXISTS automations (
        tenant TEXT NOT NULL,
        id TEXT NOT NULL,
        position INTEGER NOT NULL,
        enabled INTEGER NOT NULL,
        idle INTEGER NOT NULL,
        rule TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (tenant, id)
      )`.execute(db);
      await sql`CREATE INDEX IF NOT EXISTS automations_idle ON automations (idle) WHERE idle = 1 AND enabled = 1`.execute(db);
    },
  },
};

/** Rerunnable, as SQLite migrations must be: the column is added only where it is missing. */
async function addStatusChangedAt(db: Kysely<unknown>) {
  const columns = await sql<{ name: string }>`SELECT name FROM pragma_table_info('tickets')`.execute(db);
  if (!columns.rows.some((c) => c.name === 'status_changed_at')) await sql`ALTER TABLE tickets ADD COLUMN status_changed_at TEXT`.execute(db);
}
