// The headers of a published event: what the NATS client's own header API would write, byte for byte.
import { MsgHdrsImpl, headers } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { eventHeaders } from '../../src/events/eventHeaders.js';

const event = { eventId: '019ab1c2-0000-7000-8000-000000000001', tenant: 'acme', schema: 'ticket.event.created@v1', correlationId: 'req-42' };

describe('event headers', () => {
  it('encode exactly as headers appended through the client API', () => {
    const viaApi = headers();
    viaApi.append('Nats-Msg-Id', event.eventId);
    viaApi.append('tenant', event.tenant);
    viaApi.append('schema', event.schema);
    viaApi.append('Content-Type', 'application/x-protobuf');
    viaApi.append('correlation-id', event.correlationId);
    const built = eventHeaders(event) as MsgHdrsImpl;
    expect(Buffer.from(built.encode())).toEqual(Buffer.from((viaApi as MsgHdrsImpl).encode()));
    expect(built.get('Nats-Msg-Id')).toBe(event.eventId);
  });

  it('refuses a value that would break the header block, as the client API does', () => {
    expect(() => eventHeaders({ ...event, correlationId: 'a\r\nInjected: yes' })).toThrow(/cannot contain/);
  });
});
