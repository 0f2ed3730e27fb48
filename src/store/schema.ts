// The tables as Kysely sees them: one typed query layer for SQLite and PostgreSQL.
import type { Generated } from 'kysely';

export type TicketRow = {
  tenant: string;
  id: string;
  title: string;
  description: string | null;
  created_by: string;
  type: string;
  priority: string;
  status: string;
  customer_id: string | null;
  customer_tier: string;
  assignee: string | null;
  /** JSON array of strings. */
  tags: string;
  external_id: string | null;
  escalation_level: number;
  /** The linked GitHub issue as JSON. */
  github_issue: string | null;
  /** The SLA clock as JSON; null when the tier has no SLA. */
  sla: string | null;
  /** Derived from sla, kept as columns for the dashboard and the scheduler's index. */
  sla_state: string | null;
  sla_next_due_at: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  resolved_at: string | null;
  closed_at: string | null;
  /** Null in rows written before the column: then updated_at. */
  status_changed_at: string | null;
};

export type EventRow = {
  seq: Generated<number>;
  event_id: string;
  tenant: string;
  ticket_id: string | null;
  version: number | null;
  action: string;
  subject: string;
  schema: string;
  correlation_id: string;
  actor: string;
  occurred_at: string;
  payload: Uint8Array;
  /** PostgreSQL's outbox mark. SQLite keeps one cursor instead (relay_cursor) and leaves this null. */
  published_at: string | null;
};

/** SQLite only: the seq of the last event the relay published; every later event is pending. */
export type RelayCursorRow = { id: number; seq: number };

export type IdempotencyRow = {
  tenant: string;
  key: string;
  fingerprint: string;
  ticket_id: string;
  /** The first response's ticket, as JSON, replayed for the key's lifetime. */
  response: string;
  created_at: string;
};

export type TenantSettingRow = {
  tenant: string;
  /** `sla`, `routing` or `severity`. */
  name: string;
  /** The setting as JSON. */
  value: string;
  updated_at: string;
};

/** One event a consumer has handled, so a redelivery or replay does nothing twice. */
export type ProcessedEventRow = { consumer: string; event_id: string; processed_at: string };

/** Append-only: one row per event, whoever did what to which ticket, when. */
export type AuditRow = {
  seq: Generated<number>;
  event_id: string;
  tenant: string;
  ticket_id: string | null;
  ticket_version: number | null;
  actor: string;
  action: string;
  subject: string;
  correlation_id: string;
  occurred_at: string;
  recorded_at: string;
  /** JSON object: changed fields, transition, notification, listing. */
  detail: string;
};

export type WebhookRow = {
  tenant: string;
  id: string;
  name: string;
  url: string;
  /** JSON array of event names. */
  events: string;
  secret: string;
  created_at: string;
};

/** The last notification sent for a ticket and reason, for the dedupe window. */
export type NotificationClaimRow = { tenant: string; ticket_id: string; reason: string; event_id: string; claimed_at: string };

/** A tenant's automation rule (SPEC §13); `rule` is the validated input as JSON. */
export type AutomationRow = {
  tenant: string;
  id: string;
  position: number;
  /** 0 or 1 in both stores. */
  enabled: number;
  /** 1 for a time rule (`when.idle`), which the scan looks for across tenants. */
  idle: number;
  rule: string;
  created_at: string;
  updated_at: string;
};

export type Database = {
  tenant_settings: TenantSettingRow;
  tickets: TicketRow;
  events: EventRow;
  relay_cursor: RelayCursorRow;
  idempotency_keys: IdempotencyRow;
  processed_events: ProcessedEventRow;
  audit_log: AuditRow;
  webhooks: WebhookRow;
  notification_claims: NotificationClaimRow;
  automations: AutomationRow;
};
