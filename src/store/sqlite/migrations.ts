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
};
