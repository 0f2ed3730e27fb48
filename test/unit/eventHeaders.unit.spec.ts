// The headers of a published event, as a consumer reads them back after they crossed the wire.
import { MsgHdrsImpl } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { eventHeaders } from '../../src/events/eventHeaders.js';

const event = { eventId: '019ab1c2-0000-7000-8000-000000000001', tenant: 'acme', schema: 'ticket.event.created@v1', correlationId: 'req-42' };

// What a subscriber gets: the header block encoded for the wire, then decoded by the client.
const overTheWire = (h: ReturnType<typeof eventHeaders>) => MsgHdrsImpl.decode((h as MsgHdrsImpl).encode());

describe('event headers', () => {
  it('carry the dedupe id, tenant, schema, content type and correlation id, once each', () => {
    const read = overTheWire(eventHeaders(event));
    expect(read.get('Nats-Msg-Id')).toBe(event.eventId);
    expect(read.get('tenant')).toBe(event.tenant);
    expect(read.get('schema')).toBe(event.schema);
    expect(read.get('Content-Type')).toBe('application/x-protobuf');
    expect(read.get('correlation-id')).toBe(event.correlationId);
    expect([...read.keys()].sort()).toEqual(['Content-Type', 'Nats-Msg-Id', 'correlation-id', 'schema', 'tenant']);
    for (const key of read.keys()) expect(read.values(key)).toHaveLength(1);
  });

  it('refuse a value that would break the header block', () => {
    expect(() => eventHeaders({ ...event, correlationId: 'a\r\nInjected: yes' })).toThrow(/cannot contain/);
  });
});
