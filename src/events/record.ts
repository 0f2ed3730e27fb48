// Turns stamped domain events into outbox records (subject, schema, the protobuf payload encoded
// once) and stored payloads back into domain terms.
import { type MessageInitShape, fromBinary } from '@bufbuild/protobuf';
import type { DomainEvent } from '../domain/events.js';
import type { HistoricEvent } from '../domain/history.js';
import { ALWAYS_OPEN_NAME } from '../domain/calendar.js';
import { type SlaClock, type SlaTarget, type SlaTargetName, upgradeClock } from '../domain/sla.js';
import type { SlaChange } from '../domain/events.js';
import type { SlaMetric } from '../domain/slaMetrics.js';
import type { Attachment, Comment, Ticket } from '../domain/ticket.js';
import { type Sla as SlaMessage, type TicketEvent, TicketEventSchema, type Ticket as TicketMessage, TicketSchema } from '../gen/ticketpb/ticket_pb.js';
import { type EncodedMessage, compileEncoder, compileNestedEncoder } from './compiledEncoder.js';
import type { EventRecord } from '../store/port.js';
import { schemaFor, subjectFor } from './subjects.js';
import { getOrAdd } from '../getOrAdd.js';

/** What the command handler stamps on every event of one command. */
export type Stamp = { eventId: string; tenant: string; occurredAt: string; correlationId: string };

/** The event as the outbox keeps it: its id, subject, schema and protobuf payload, encoded once. */
export function toRecord(event: DomainEvent, stamp: Stamp): EventRecord {
  const { action, actor } = event;
  const { eventId, tenant, occurredAt, correlationId } = stamp;
  const schema = schemaFor(action);
  const ticket = event.action === 'listed' ? undefined : event.ticket;
  const payload = encodeTicketEvent({
    meta: { eventId, tenant, occurredAt, schema, correlationId, actor, action },
    data: ticket ? ticketData(ticket) : { tenant },
    changedFields: 'changedFields' in event ? event.changedFields : [],
    ...detailOf(event),
  } satisfies MessageInitShape<typeof TicketEventSchema>);
  return {
    eventId,
    tenant,
    ticketId: ticket?.id ?? null,
    version: ticket?.version ?? null,
    action,
    subject: subjectFor(tenant, action),
    schema,
    correlationId,
    actor,
    occurredAt,
    payload,
  };
}

type EventDetail = Pick<MessageInitShape<typeof TicketEventSchema>, 'listing' | 'notification' | 'transition' | 'slaChange' | 'comment' | 'attachment'>;

/** The part of the payload only this kind of event has. */
function detailOf(event: DomainEvent): EventDetail {
  switch (event.action) {
    case 'created':
    case 'updated':
    case 'deleted':
    case 'read':
      return {};
    case 'listed':
      return { listing: event.listing };
    case 'notification_requested':
      return { notification: event.notification };
    case 'transitioned':
      return { transition: event.transition };
    case 'sla_changed': {
      const { metric, ...change } = event.slaChange;
      return { slaChange: metric ? { ...change, metric: metric.type, target: metric.target, round: metric.round, at: metric.at } : change };
    }
    case 'commented':
      return { comment: event.comment };
    case 'attachment_added':
      return { attachment: { ...event.attachment, size: BigInt(event.attachment.size) } };
    default: {
      const unreachable: never = event;
      throw new Error(`unhandled event ${JSON.stringify(unreachable)}`);
    }
  }
}

/** Encodes a TicketEvent given as `create()` would take it; compiled once from the schema. */
export const encodeTicketEvent = compileEncoder(TicketEventSchema);

const encodeTicket = compileNestedEncoder(TicketSchema);
// A ticket's bytes are encoded once per ticket object and written as they are into every event
// that carries it: a command's events share their ticket (a create commits `created` and its SLA
// metric events), and a read ticket is read again and again (a GET each time) while the store's
// ticket cache holds it. Ticket objects are never changed in place.
const encodedTickets = new WeakMap<Ticket, EncodedMessage>();

type TicketInit = MessageInitShape<typeof TicketSchema>;

/** The event's ticket as bytes, encoded once per ticket object (the encoder writes them as they are). */
function ticketData(ticket: Ticket): TicketInit {
  const encoded = getOrAdd(encodedTickets, ticket, () => encodeTicket(ticketMessage(ticket)));
  return encoded as unknown as TicketInit;
}

export function ticketMessage(t: Ticket): TicketInit {
  return {
    id: t.id,
    tenant: t.tenant,
    title: t.title,
    description: t.description ?? '',
    createdBy: t.createdBy,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    type: t.type,
    priority: t.priority,
    status: t.status,
    customerId: t.customerId ?? '',
    customerTier: t.customerTier,
    assignee: t.assignee ?? '',
    tags: t.tags,
    externalId: t.externalId ?? '',
    escalationLevel: t.escalationLevel,
    version: BigInt(t.version),
    resolvedAt: t.resolvedAt ?? '',
    closedAt: t.closedAt ?? '',
    statusChangedAt: t.statusChangedAt,
    ...(t.sla ? { sla: slaMessage(t.sla) } : {}),
    ...(t.githubIssue ? { githubIssue: { number: BigInt(t.githubIssue.number), url: t.githubIssue.url } } : {}),
  };
}

function slaMessage(c: SlaClock) {
  const target = (t: SlaTarget) => ({
    minutes: t.minutes,
    metAt: t.metAt ?? '',
    alertedAt: t.alertedAt ?? '',
    breachedAt: t.breachedAt ?? '',
    startedAt: t.startedAt,
    pausedMinutes: t.pausedMinutes,
    dueAt: t.dueAt,
    alertAt: t.alertAt,
  });
  return {
    startedAt: c.startedAt,
    pausedMs: BigInt(c.pausedMs),
    pausedAt: c.pausedAt ?? '',
    alertThreshold: c.alertThreshold,
    response: target(c.response),
    resolution: target(c.resolution),
    calendar: c.calendar,
    nextReply: c.nextReply.map(target),
  };
}

const orNull = (s: string) => (s === '' ? null : s);

/** A clock from an event; one written before calendars (no per-target start) is read as 24x7 wall-clock time. */
function slaFromMessage(m: SlaMessage): SlaClock {
  const target = (t: SlaMessage['response']): SlaTarget => ({
    minutes: t?.minutes ?? 0,
    startedAt: t?.startedAt || m.startedAt,
    pausedMinutes: t?.pausedMinutes ?? 0,
    dueAt: t?.dueAt ?? '',
    alertAt: t?.alertAt ?? '',
    metAt: orNull(t?.metAt ?? ''),
    alertedAt: orNull(t?.alertedAt ?? ''),
    breachedAt: orNull(t?.breachedAt ?? ''),
  });
  const common = { startedAt: m.startedAt, pausedMs: Number(m.pausedMs), pausedAt: orNull(m.pausedAt), alertThreshold: m.alertThreshold };
  if (!m.response?.startedAt) return upgradeClock({ ...common, response: target(m.response), resolution: target(m.resolution) });
  return {
    ...common,
    calendar: m.calendar || ALWAYS_OPEN_NAME,
    response: target(m.response),
    resolution: target(m.resolution),
    nextReply: m.nextReply.map(target),
  };
}

/** What a stored payload says, in domain terms (history, time travel, replay). */
export type DecodedEvent = {
  changedFields: string[];
  ticket: Ticket | null;
  notification: { reason: string; keywords: string[] } | undefined;
  listing: { count: number; query: string } | undefined;
  transition: { name: string; from: string; to: string; comment: string } | undefined;
  slaChange: SlaChange | undefined;
  comment: Comment | undefined;
  attachment: Attachment | undefined;
};

export function decodePayload(payload: Uint8Array): DecodedEvent {
  const event = fromBinary(TicketEventSchema, payload);
  return decodedEvent(event);
}

export type EventMeta = { eventId: string; tenant: string; occurredAt: string; schema: string; correlationId: string; actor: string; action: string };

/** A payload as consumers read it off the stream: the decoded event and its meta. */
export function decodeWithMeta(payload: Uint8Array): DecodedEvent & { meta: EventMeta } {
  const event = fromBinary(TicketEventSchema, payload);
  const m = event.meta;
  const meta = {
    eventId: m?.eventId ?? '',
    tenant: m?.tenant ?? '',
    occurredAt: m?.occurredAt ?? '',
    schema: m?.schema ?? '',
    correlationId: m?.correlationId ?? '',
    actor: m?.actor ?? '',
    action: m?.action ?? '',
  };
  return Object.assign(decodedEvent(event), { meta });
}

function decodedEvent(event: TicketEvent): DecodedEvent {
  const d = event.data;
  return {
    changedFields: event.changedFields,
    ticket: d?.id ? ticketFromMessage(d) : null,
    notification: event.notification ? { reason: event.notification.reason, keywords: event.notification.keywords } : undefined,
    listing: event.listing ? { count: event.listing.count, query: event.listing.query } : undefined,
    transition: event.transition
      ? { name: event.transition.name, from: event.transition.from, to: event.transition.to, comment: event.transition.comment }
      : undefined,
    comment: event.comment
      ? { id: event.comment.id, author: event.comment.author, body: event.comment.body, internal: event.comment.internal, createdAt: event.comment.createdAt }
      : undefined,
    attachment: event.attachment
      ? {
          id: event.attachment.id,
          filename: event.attachment.filename,
          contentType: event.attachment.contentType,
          size: Number(event.attachment.size),
          sha256: event.attachment.sha256,
          createdBy: event.attachment.createdBy,
          createdAt: event.attachment.createdAt,
        }
      : undefined,
    slaChange: event.slaChange ? slaChangeFromMessage(event.slaChange) : undefined,
  };
}

function slaChangeFromMessage(c: NonNullable<TicketEvent['slaChange']>): SlaChange {
  const change = { from: c.from, to: c.to, crossed: [...c.crossed] };
  if (!c.metric) return change;
  return { ...change, metric: { type: c.metric as SlaMetric, target: c.target as SlaTargetName, round: c.round, at: c.at } };
}

function ticketFromMessage(m: TicketMessage): Ticket {
  return {
    id: m.id,
    tenant: m.tenant,
    title: m.title,
    description: orNull(m.description),
    createdBy: m.createdBy,
    type: m.type as Ticket['type'],
    priority: m.priority as Ticket['priority'],
    status: m.status as Ticket['status'],
    customerId: orNull(m.customerId),
    customerTier: m.customerTier as Ticket['customerTier'],
    assignee: orNull(m.assignee),
    tags: [...m.tags],
    externalId: orNull(m.externalId),
    escalationLevel: m.escalationLevel,
    version: Number(m.version),
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
    resolvedAt: orNull(m.resolvedAt),
    closedAt: orNull(m.closedAt),
    // Events written before the field: the last change is the best bound there is.
    statusChangedAt: m.statusChangedAt || m.updatedAt,
    sla: m.sla ? slaFromMessage(m.sla) : null,
    githubIssue: m.githubIssue ? { number: Number(m.githubIssue.number), url: m.githubIssue.url } : null,
  };
}

/** A stored event as the event-sourcing fold reads it. */
export function historicEvent(e: Pick<EventRecord, 'action' | 'occurredAt' | 'payload'>): HistoricEvent {
  return { action: e.action, occurredAt: e.occurredAt, ticket: decodePayload(e.payload).ticket };
}
