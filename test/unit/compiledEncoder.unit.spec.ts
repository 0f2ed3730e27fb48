// The compiled encoder writes exactly the bytes of protobuf-es's reflective `toBinary(create())`,
// for any TicketEvent: every field, empty and default values, multi-byte text, lengths past one
// varint byte, buffers past the reused one.
import { create, toBinary } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileEncoder, compileNestedEncoder } from '../../src/events/compiledEncoder.js';
import { encodeTicketEvent } from '../../src/events/record.js';
import { TicketEventSchema, TicketSchema } from '../../src/gen/ticketpb/ticket_pb.js';

const text = fc.oneof(
  fc.constant(''),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ unit: 'binary', minLength: 100, maxLength: 400 }),
  // Around the one-byte length limit (127), where ASCII takes its fast path or not.
  fc.string({ unit: 'binary-ascii', minLength: 120, maxLength: 140 }),
);
const uint32 = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2 ** 32 - 1 }));
const uint64 = fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
const double = fc.oneof(fc.constant(0), fc.double({ noNaN: true }));
const texts = fc.array(text, { maxLength: 5 });
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const slaTarget = fc.record({ minutes: double, metAt: text, alertedAt: text, breachedAt: text });
const ticket = fc.record(
  {
    id: text,
    tenant: text,
    title: text,
    description: text,
    createdBy: text,
    createdAt: text,
    updatedAt: text,
    type: text,
    priority: text,
    status: text,
    customerId: text,
    customerTier: text,
    assignee: text,
    tags: texts,
    externalId: text,
    escalationLevel: uint32,
    version: uint64,
    resolvedAt: text,
    closedAt: text,
    sla: optional(
      fc.record({ startedAt: text, pausedMs: uint64, pausedAt: text, alertThreshold: double, response: optional(slaTarget), resolution: optional(slaTarget) }),
    ),
    githubIssue: optional(fc.record({ number: uint64, url: text })),
  },
  { requiredKeys: [] },
);
const event = fc.record(
  {
    meta: optional(fc.record({ eventId: text, tenant: text, occurredAt: text, schema: text, correlationId: text, actor: text, action: text })),
    data: optional(ticket),
    changedFields: texts,
    listing: optional(fc.record({ count: uint32, query: text })),
    notification: optional(fc.record({ reason: text, keywords: texts })),
    transition: optional(fc.record({ name: text, from: text, to: text, comment: text })),
    slaChange: optional(fc.record({ from: text, to: text, crossed: texts })),
    comment: optional(fc.record({ id: text, author: text, body: text, internal: fc.boolean(), createdAt: text })),
    attachment: optional(fc.record({ id: text, filename: text, contentType: text, size: uint64, sha256: text, createdBy: text, createdAt: text })),
  },
  { requiredKeys: [] },
);

describe('the compiled TicketEvent encoder', () => {
  it('writes the same bytes as the reflective encoder for any event', () => {
    fc.assert(
      fc.property(event, (init) => {
        expect(Buffer.from(encodeTicketEvent(init))).toEqual(Buffer.from(toBinary(TicketEventSchema, create(TicketEventSchema, init))));
      }),
      { numRuns: 300 },
    );
  });

  it("writes a ticket encoded earlier (a read event's, kept per ticket) as the same bytes as the ticket itself", () => {
    const encodeTicket = compileNestedEncoder(TicketSchema);
    fc.assert(
      fc.property(event, ticket, (init, data) => {
        const nested = encodeTicket(data);
        expect(Buffer.from(encodeTicketEvent({ ...init, data: nested }))).toEqual(Buffer.from(encodeTicketEvent({ ...init, data })));
      }),
      { numRuns: 300 },
    );
  });

  it('grows past its reused buffer for a ticket encoded earlier, too', () => {
    const data = { title: 'ü'.repeat(20_000), tags: ['x'.repeat(30_000)] };
    const nested = compileNestedEncoder(TicketSchema)(data);
    expect(Buffer.from(encodeTicketEvent({ changedFields: ['title'], data: nested }))).toEqual(
      Buffer.from(toBinary(TicketEventSchema, create(TicketEventSchema, { changedFields: ['title'], data }))),
    );
  });

  it('grows past its reused buffer and hands back an independent copy', () => {
    const long = 'ü'.repeat(40_000);
    const first = encodeTicketEvent({ data: { title: long, tags: [long, 'x'] } });
    const copy = Buffer.from(first);
    encodeTicketEvent({ data: { title: 'something else' } });
    expect(Buffer.from(first)).toEqual(copy);
    expect(copy).toEqual(Buffer.from(toBinary(TicketEventSchema, create(TicketEventSchema, { data: { title: long, tags: [long, 'x'] } }))));
  });

  it('compiles every field of the ticket schema (a field kind it cannot write fails here, not on the wire)', () => {
    expect(() => compileEncoder(TicketSchema)).not.toThrow();
  });
});
