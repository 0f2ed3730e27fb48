// Mapping between stored rows and domain values, shared by every store adapter.
import type { EventAction } from '../domain/events.js';
import { type SlaClock, nextDueAt, slaState, upgradeClock } from '../domain/sla.js';
import type { CustomerTier, Priority, TicketType } from '../domain/fields.js';
import type { GithubIssue, Status, Ticket } from '../domain/ticket.js';
import { plainFields } from '../domain/ticketFields.js';
import type { Commit, EventRecord, StoredEvent } from './port.js';
import type { EventRow, IdempotencyRow, TicketRow } from './schema.js';

export function ticketToRow(t: Ticket): TicketRow {
  return {
    ...plainFields(t),
    tags: JSON.stringify(t.tags),
    github_issue: t.githubIssue ? JSON.stringify(t.githubIssue) : null,
    sla: t.sla ? JSON.stringify(t.sla) : null,
    sla_state: t.sla ? slaState(t.sla) : null,
    sla_next_due_at: t.sla && isOpen(t) ? nextDueAt(t.sla) : null,
  };
}

/** Tickets the SLA scheduler still watches: not yet resolved or closed. */
const isOpen = (t: Ticket) => t.status !== 'resolved' && t.status !== 'closed';

export function rowToTicket(r: TicketRow): Ticket {
  return {
    id: r.id,
    tenant: r.tenant,
    title: r.title,
    description: r.description,
    createdBy: r.created_by,
    type: r.type as TicketType,
    priority: r.priority as Priority,
    status: r.status as Status,
    customerId: r.customer_id,
    customerTier: r.customer_tier as CustomerTier,
    assignee: r.assignee,
    tags: JSON.parse(r.tags) as string[],
    externalId: r.external_id,
    escalationLevel: Number(r.escalation_level),
    githubIssue: r.github_issue === null ? null : (JSON.parse(r.github_issue) as GithubIssue),
    sla: r.sla === null ? null : upgradeClock(JSON.parse(r.sla) as SlaClock),
    version: Number(r.version),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    resolvedAt: r.resolved_at,
    closedAt: r.closed_at,
    statusChangedAt: r.status_changed_at ?? r.updated_at,
  };
}

export function recordToRow(e: EventRecord): Omit<EventRow, 'seq'> {
  return {
    event_id: e.eventId,
    tenant: e.tenant,
    ticket_id: e.ticketId,
    version: e.version,
    action: e.action,
    subject: e.subject,
    schema: e.schema,
    correlation_id: e.correlationId,
    actor: e.actor,
    occurred_at: e.occurredAt,
    payload: e.payload,
    published_at: null,
  };
}

/** `seq` apart from the row: a row the writer just inserted learns it from the insert. */
export function rowToStoredEvent(r: Omit<EventRow, 'seq'>, published: boolean, seq: number): StoredEvent {
  return {
    seq: Number(seq),
    eventId: r.event_id,
    tenant: r.tenant,
    ticketId: r.ticket_id,
    version: r.version === null ? null : Number(r.version),
    action: r.action as EventAction,
    subject: r.subject,
    schema: r.schema,
    correlationId: r.correlation_id,
    actor: r.actor,
    occurredAt: r.occurred_at,
    payload: r.payload instanceof Uint8Array ? r.payload : new Uint8Array(r.payload),
    published,
  };
}

/** The row an Idempotency-Key claim leaves: the key, its request's fingerprint and the response it replays. */
export function claimToRow(tenant: string, claim: NonNullable<Commit['claim']>, ticket: Ticket): IdempotencyRow {
  return { tenant, key: claim.key, fingerprint: claim.fingerprint, ticket_id: ticket.id, response: claim.response, created_at: ticket.createdAt };
}
