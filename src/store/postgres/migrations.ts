// PostgreSQL schema migrations, run in order at start by Kysely's migrator (which holds an
// advisory lock, so replicas starting together migrate once). Later tables are appended as new entries.
import { type Kysely, type Migration, sql } from 'kysely';

/** The channel a NOTIFY on it wakes every relay: sent by a trigger, delivered when the writing transaction commits. */
export const EVENTS_CHANNEL = 'ticket_svc_events';

export const postgresMigrations: Record<string, Migration> = {
  '0001_tickets_events_idempotency': {
    async up(db: Kysely<unknown>) {
      // Identifiers compare byte by byte (COLLATE "C"), as in SQLite: keyset pages and sorted
      // listings come out in the same order from either store.
      await sql`CREATE TABLE tickets (
        tenant text COLLATE "C" NOT NULL,
        id text COLLATE "C" NOT NULL,
        title text NOT NULL,
        description text,
        created_by text NOT NULL,
        type text NOT NULL,
        priority text NOT NULL,
        status text NOT NULL,
        customer_id text,
        customer_tier text NOT NULL,
        assignee text,
        tags jsonb NOT NULL DEFAULT '[]',
        external_id text COLLATE "C",
        escalation_level integer NOT NULL DEFAULT 0,
        version integer NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        resolved_at timestamptz,
        closed_at timestamptz,
        PRIMARY KEY (tenant, id)
      )`.execute(db);
      await sql`CREATE INDEX tickets_by_recency ON tickets (tenant, updated_at DESC, id DESC)`.execute(db);
      await sql`CREATE UNIQUE INDEX tickets_by_external_id ON tickets (tenant, external_id) WHERE external_id IS NOT NULL`.execute(db);
      // seq comes from a sequence when the row is inserted, not when its transaction commits; see
      // the relay-order note in ./index.ts for why reading `published_at IS NULL ORDER BY seq` still
      // loses nothing and keeps each ticket's events in version order.
      await sql`CREATE TABLE events (
        seq bigserial PRIMARY KEY,
        event_id text NOT NULL,
        tenant text COLLATE "C" NOT NULL,
        ticket_id text COLLATE "C",
        version integer,
        action text NOT NULL,
        subject text NOT NULL,
        schema text NOT NULL,
        correlation_id text NOT NULL,
        actor text NOT NULL,
        occurred_at timestamptz NOT NULL,
        payload bytea NOT NULL,
        published_at timestamptz
      )`.execute(db);
      await sql`CREATE INDEX events_by_ticket ON events (tenant, ticket_id, seq)`.execute(db);
      await sql`CREATE INDEX events_pending ON events (seq) WHERE published_at IS NULL`.execute(db);
      await sql`CREATE TABLE idempotency_keys (
        tenant text COLLATE "C" NOT NULL,
        key text COLLATE "C" NOT NULL,
        fingerprint text NOT NULL,
        ticket_id text NOT NULL,
        response text NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (tenant, key)
      )`.execute(db);
      await sql`CREATE INDEX idempotency_by_age ON idempotency_keys (created_at)`.execute(db);
      // One NOTIFY per transaction that added events, whoever wrote them: relays in other
      // processes wake on commit instead of waiting for their poll.
      await sql`CREATE FUNCTION notify_events_committed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM pg_notify(${sql.lit(EVENTS_CHANNEL)}, '');
          RETURN NULL;
        END $$`.execute(db);
      await sql`CREATE TRIGGER events_committed AFTER INSERT ON events
        FOR EACH STATEMENT EXECUTE FUNCTION notify_events_committed()`.execute(db);
    },
  },
  '0002_consumers_audit_webhooks': {
    async up(db: Kysely<unknown>) {
      await sql`CREATE TABLE processed_events (
        consumer text COLLATE "C" NOT NULL,
        event_id text COLLATE "C" NOT NULL,
        processed_at timestamptz NOT NULL,
        PRIMARY KEY (consumer, event_id)
      )`.execute(db);
      await sql`CREATE TABLE audit_log (
        seq bigserial PRIMARY KEY,
        event_id text COLLATE "C" NOT NULL UNIQUE,
        tenant text COLLATE "C" NOT NULL,
        ticket_id text COLLATE "C",
        ticket_version integer,
        actor text NOT NULL,
        action text NOT NULL,
        subject text NOT NULL,
        correlation_id text NOT NULL,
        occurred_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        detail text NOT NULL DEFAULT '{}'
      )`.execute(db);
      await sql`CREATE INDEX audit_by_tenant ON audit_log (tenant, seq)`.execute(db);
      await sql`CREATE INDEX audit_by_ticket ON audit_log (tenant, ticket_id, seq)`.execute(db);
      await sql`CREATE INDEX audit_by_actor ON audit_log (tenant, actor, seq)`.execute(db);
      await sql`CREATE TABLE webhooks (
        tenant text COLLATE "C" NOT NULL,
        id text COLLATE "C" NOT NULL,
        name text NOT NULL,
        url text NOT NULL,
        events text NOT NULL,
        secret text NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (tenant, id)
      )`.execute(db);
      await sql`CREATE TABLE notification_claims (
        tenant text COLLATE "C" NOT NULL,
        ticket_id text COLLATE "C" NOT NULL,
        reason text NOT NULL,
        event_id text COLLATE "C" NOT NULL,
        claimed_at timestamptz NOT NULL,
        PRIMARY KEY (tenant, ticket_id, reason)
      )`.execute(db);
    },
  },
  '0003_sla_and_tenant_settings': {
    async up(db: Kysely<unknown>) {
      await sql`ALTER TABLE tickets ADD COLUMN sla text, ADD COLUMN sla_state text, ADD COLUMN sla_next_due_at timestamptz`.execute(db);
      // The scheduler asks only for tickets whose next threshold has passed.
      await sql`CREATE INDEX tickets_by_sla_due ON tickets (sla_next_due_at) WHERE sla_next_due_at IS NOT NULL`.execute(db);
      await sql`CREATE INDEX tickets_by_sla_state ON tickets (tenant, sla_state, sla_next_due_at)`.execute(db);
      await sql`CREATE TABLE tenant_settings (
        tenant text COLLATE "C" NOT NULL,
        name text NOT NULL,
        value text NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (tenant, name)
      )`.execute(db);
    },
  },
  '0004_ticket_search': {
    async up(db: Kysely<unknown>) {
      // Words of title and description, kept by PostgreSQL itself in the ticket's own write.
      await sql`ALTER TABLE tickets ADD COLUMN search tsvector
        GENERATED ALWAYS AS (to_tsvector('simple', title || ' ' || coalesce(description, ''))) STORED`.execute(db);
      await sql`CREATE INDEX tickets_by_search ON tickets USING gin (search)`.execute(db);
    },
  },
  '0005_github_link': {
    async up(db: Kysely<unknown>) {
      await sql`ALTER TABLE tickets ADD COLUMN github_issue text`.execute(db);
    },
  },
  '0006_rate_limits': {
    async up(db: Kysely<unknown>) {
      // One row per tenant: its GCRA theoretical arrival time, nanoseconds since the epoch on the
      // database clock (./rateLimiter.ts). Unlogged: written on every request, and losing it in a
      // crash only hands every tenant a fresh burst.
      await sql`CREATE UNLOGGED TABLE rate_limits (
        tenant text COLLATE "C" PRIMARY KEY,
        tat bigint NOT NULL
      )`.execute(db);
    },
  },
  '0007_status_changed_at_automations': {
    async up(db: Kysely<unknown>) {
      await sql`ALTER TABLE tickets ADD COLUMN status_changed_at text`.execute(db);
      await sql`CREATE TABLE automations (
        tenant text NOT NULL,
        id text NOT NULL,
        position integer NOT NULL,
        enabled integer NOT NULL,
        idle integer NOT NULL,
        rule text NOT NULL,
        created_at text NOT NULL,
        updated_at text NOT NULL,
        PRIMARY KEY (tenant, id)
      )`.execute(db);
      await sql`CREATE INDEX automations_idle ON automations (idle) WHERE idle = 1 AND enabled = 1`.execute(db);
    },
  },
};
