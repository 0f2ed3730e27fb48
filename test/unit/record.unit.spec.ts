// SPEC §7: domain events become outbox records whose protobuf payload our code and a seed consumer both read.
import { readFileSync } from 'node:fs';
import { type DescMessage, create, createFileRegistry, fromBinary, toJson } from '@bufbuild/protobuf';
import { FieldDescriptorProto_Label, FieldDescriptorProto_Type, FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../src/domain/events.js';
import type { SlaTarget } from '../../src/domain/sla.js';
import type { Ticket } from '../../src/domain/ticket.js';
import { type Stamp, decodePayload, toRecord } from '../../src/events/record.js';

const NOW = '2025-01-02T10:30:00.000Z';

/** What the command handler stamps on an event of tenant acme. */
const stamp = (eventId: string): Stamp => ({ eventId, tenant: 'acme', occurredAt: NOW, correlationId: 'corr-1' });

const minimal: Ticket = {
  id: '0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
  tenant: 'acme',
  title: 'Printer jams',
  description: null,
  createdBy: 'bob',
  type: 'support',
  priority: 'medium',
  status: 'new',
  customerId: null,
  customerTier: 'standard',
  assignee: null,
  tags: [],
  externalId: null,
  escalationLevel: 0,
  githubIssue: null,
  sla: null,
  version: 1,
  createdAt: '2025-01-01T09:00:00.000Z',
  updatedAt: '2025-01-01T09:00:00.000Z',
  resolvedAt: null,
  closedAt: null,
  statusChangedAt: '2025-01-01T09:00:00.000Z',
};

function target(over: Partial<SlaTarget>): SlaTarget {
  return {
    minutes: 15,
    startedAt: '2025-01-01T09:00:00.000Z',
    pausedMinutes: 0,
    dueAt: '2025-01-01T09:15:00.000Z',
    alertAt: '2025-01-01T09:12:45.000Z',
    metAt: null,
    alertedAt: null,
    breachedAt: null,
    ...over,
  };
}

const full: Ticket = {
  ...minimal,
  description: 'Paper jam on floor 2, critical for payroll',
  type: 'bug',
  priority: 'critical',
  status: 'closed',
  customerId: 'cust-7',
  customerTier: 'enterprise',
  assignee: 'dave',
  tags: ['printer', 'floor:2'],
  externalId: 'JIRA-12',
  escalationLevel: 2,
  githubIssue: { number: 42, url: 'https://github.com/acme/app/issues/42' },
  sla: {
    startedAt: '2025-01-01T09:00:00.000Z',
    calendar: 'office',
    pausedMs: 90_000,
    pausedAt: '2025-01-01T10:00:00.000Z',
    alertThreshold: 0.85,
    response: target({ minutes: 15, metAt: '2025-01-01T09:05:00.000Z' }),
    resolution: target({ minutes: 240.5, alertedAt: '2025-01-01T12:30:00.000Z', breachedAt: '2025-01-01T13:00:30.000Z', pausedMinutes: 1.5 }),
    nextReply: [target({ minutes: 60, startedAt: '2025-01-01T09:30:00.000Z', metAt: '2025-01-01T09:40:00.000Z' }), target({ minutes: 60.25 })],
  },
  version: 9_007_199_254,
  updatedAt: NOW,
  resolvedAt: '2025-01-02T08:00:00.000Z',
  closedAt: NOW,
};

describe('turning a domain event into an outbox record', () => {
  it('gives the event its stamped id and addresses it as SPEC §7 says', () => {
    const record = toRecord({ action: 'created', ticket: minimal, changedFields: ['title', 'createdBy'], actor: 'alice' }, stamp('event-1'));
    expect(record).toEqual({
      eventId: 'event-1',
      tenant: 'acme',
      ticketId: minimal.id,
      version: 1,
      action: 'created',
      subject: 'acme.ticket.ticket.event.created',
      schema: 'ticket.event.created@v1',
      correlationId: 'corr-1',
      actor: 'alice',
      occurredAt: NOW,
      payload: expect.any(Uint8Array),
    });
  });

  it('carries the actor the decision named and what the handler stamped', () => {
    const record = toRecord({ action: 'read', ticket: minimal, changedFields: [], actor: 'system:routing' }, stamp('event-2'));
    expect(record).toMatchObject({ eventId: 'event-2', actor: 'system:routing', occurredAt: NOW, correlationId: 'corr-1' });
  });

  it.each([
    ['a ticket with only the required fields', minimal],
    ['a ticket with every field set', full],
  ])('carries %s that decodes back to the same ticket', (_name, ticket) => {
    const record = toRecord({ action: 'updated', ticket, changedFields: ['title', 'tags'], actor: 'alice' }, stamp('event-1'));
    expect(decodePayload(record.payload)).toEqual({ ticket, changedFields: ['title', 'tags'], notification: undefined, listing: undefined });
  });

  it('writes the same bytes for every read of a ticket as for its first (a read encodes the ticket once)', () => {
    const read = (ticket: Ticket) => Buffer.from(toRecord({ action: 'read', ticket, changedFields: [], actor: 'alice' }, stamp('event-1')).payload);
    const first = read(full);
    expect(decodePayload(first).ticket).toEqual(full);
    expect(read(full)).toEqual(first);
    expect(read({ ...full })).toEqual(first);
  });

  it('addresses a notification request to the notification subject and carries its reason and keywords', () => {
    const notification = { reason: 'severity_keyword', keywords: ['critical'] };
    const record = toRecord({ action: 'notification_requested', ticket: full, notification, actor: 'alice' }, stamp('event-1'));
    expect(record).toMatchObject({
      subject: 'acme.notification.notification.event.requested',
      schema: 'notification.event.requested@v1',
      ticketId: full.id,
      version: full.version,
    });
    expect(decodePayload(record.payload)).toMatchObject({ ticket: full, notification });
  });

  it('records a listing with no ticket, only what was asked and how much came back', () => {
    const record = toRecord({ action: 'listed', listing: { count: 3, query: 'status=new&limit=3' }, actor: 'alice' }, stamp('event-1'));
    expect(record).toMatchObject({ ticketId: null, version: null, subject: 'acme.ticket.ticket.event.listed' });
    expect(decodePayload(record.payload)).toEqual({
      ticket: null,
      changedFields: [],
      notification: undefined,
      listing: { count: 3, query: 'status=new&limit=3' },
    });
  });
});

describe('a consumer built from the seed .proto', () => {
  const SeedEvent = seedMessage('ticketpb.TicketEvent');

  it('knows the seed shape: TicketEvent 1-2, Meta 1-4, Ticket 1-7', () => {
    const fields = (m: DescMessage | undefined) => m?.fields.map((f) => `${f.number}:${f.name}`);
    expect(fields(SeedEvent)).toEqual(['1:meta', '2:data']);
    expect(fields(SeedEvent.field.meta?.message)).toEqual(['1:event_id', '2:tenant', '3:occurred_at', '4:schema']);
    expect(fields(SeedEvent.field.data?.message)).toEqual(['1:id', '2:tenant', '3:title', '4:description', '5:created_by', '6:created_at', '7:updated_at']);
  });

  it.each<[string, DomainEvent]>([
    ['created', { action: 'created', ticket: full, changedFields: ['title'], actor: 'alice' }],
    ['notification', { action: 'notification_requested', ticket: full, actor: 'alice', notification: { reason: 'severity_keyword', keywords: ['critical'] } }],
  ])('reads the envelope and the seed ticket fields of a %s event', (_name, event) => {
    const record = toRecord(event, stamp('event-1'));
    expect(toJson(SeedEvent, fromBinary(SeedEvent, record.payload))).toEqual({
      meta: { eventId: 'event-1', tenant: 'acme', occurredAt: NOW, schema: record.schema },
      data: {
        id: full.id,
        tenant: 'acme',
        title: full.title,
        description: full.description,
        createdBy: 'bob',
        createdAt: full.createdAt,
        updatedAt: full.updatedAt,
      },
    });
  });
});

/**
 * A message type from proto-baseline/ticketpb/ticket.proto, built at test time without codegen.
 * The seed file holds only flat messages of `string` and message-typed fields; anything else fails loudly.
 */
function seedMessage(typeName: string): DescMessage {
  const source = readFileSync(new URL('../../proto-baseline/ticketpb/ticket.proto', import.meta.url), 'utf8');
  const pkg = /^package\s+([\w.]+);/m.exec(source)?.[1];
  if (!pkg) throw new Error('seed .proto has no package');
  const blocks = [...source.matchAll(/^message\s+(\w+)\s*\{([^}]*)\}/gm)];
  const names = new Set(blocks.map((b) => b[1]));
  const messageType = blocks.map(([, name, body = '']) => ({
    name,
    field: [...body.matchAll(/^\s*(\w+)\s+(\w+)\s*=\s*(\d+);/gm)].map(([, type = '', field = '', number]) => {
      if (type !== 'string' && !names.has(type)) throw new Error(`seed field type ${type} is not handled here`);
      return {
        name: field,
        jsonName: field.replace(/_(\w)/g, (_m, c: string) => c.toUpperCase()),
        number: Number(number),
        label: FieldDescriptorProto_Label.OPTIONAL,
        ...(type === 'string' ? { type: FieldDescriptorProto_Type.STRING } : { type: FieldDescriptorProto_Type.MESSAGE, typeName: `.${pkg}.${type}` }),
      };
    }),
  }));
  const file = create(FileDescriptorProtoSchema, { name: 'ticketpb/ticket.proto', package: pkg, syntax: 'proto3', messageType });
  const message = createFileRegistry(file, () => undefined).getMessage(typeName);
  if (!message) throw new Error(`${typeName} is not in the seed .proto`);
  return message;
}
