// Mapping between the consumers' stored rows and their domain values, shared by both adapters.
import type { Kysely } from 'kysely';
import type { AuditEntry, AuditQuery, AuditRecord, StoredAutomation, Webhook } from './consumerPort.js';
import type { AuditRow, AutomationRow, Database, WebhookRow } from './schema.js';

/** The audit page query both stores run: the tenant's entries, filtered, newest first. */
export function selectAuditPage(db: Kysely<Database>, tenant: string, query: AuditQuery) {
  let sel = db.selectFrom('audit_log').selectAll().where('tenant', '=', tenant);
  if (query.ticketId !== undefined) sel = sel.where('ticket_id', '=', query.ticketId);
  if (query.actor !== undefined) sel = sel.where('actor', '=', query.actor);
  if (query.since !== undefined) sel = sel.where('occurred_at', '>=', query.since);
  if (query.beforeSeq !== undefined) sel = sel.where('seq', '<', query.beforeSeq);
  return sel.orderBy('seq', 'desc').limit(query.limit);
}

export function rowToAudit(r: AuditRow & { seq: number }): AuditRecord {
  return {
    seq: Number(r.seq),
    eventId: r.event_id,
    tenant: r.tenant,
    ticketId: r.ticket_id,
    ticketVersion: r.ticket_version === null ? null : Number(r.ticket_version),
    actor: r.actor,
    action: r.action,
    subject: r.subject,
    correlationId: r.correlation_id,
    occurredAt: r.occurred_at,
    recordedAt: r.recorded_at,
    detail: JSON.parse(r.detail) as Record<string, unknown>,
  };
}

export function rowToWebhook(r: WebhookRow): Webhook {
  return { tenant: r.tenant, id: r.id, name: r.name, url: r.url, events: JSON.parse(r.events) as string[], secret: r.secret, createdAt: r.created_at };
}

/** The audit_log row of an entry; its detail stored as JSON. */
export function auditToRow(e: AuditEntry): Omit<AuditRow, 'seq'> {
  return {
    event_id: e.eventId,
    tenant: e.tenant,
    ticket_id: e.ticketId,
    ticket_version: e.ticketVersion,
    actor: e.actor,
    action: e.action,
    subject: e.subject,
    correlation_id: e.correlationId,
    occurred_at: e.occurredAt,
    recorded_at: e.recordedAt,
    detail: JSON.stringify(e.detail),
  };
}

export function automationToRow(a: StoredAutomation): AutomationRow {
  return {
    tenant: a.tenant,
    id: a.id,
    position: a.position,
    enabled: a.enabled ? 1 : 0,
    idle: a.idle ? 1 : 0,
    rule: JSON.stringify(a.rule),
    created_at: a.createdAt,
    updated_at: a.updatedAt,
  };
}

export function rowToAutomation(r: AutomationRow): StoredAutomation {
  return {
    tenant: r.tenant,
    id: r.id,
    position: Number(r.position),
    enabled: Number(r.enabled) === 1,
    idle: Number(r.idle) === 1,
    rule: JSON.parse(r.rule) as unknown,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
