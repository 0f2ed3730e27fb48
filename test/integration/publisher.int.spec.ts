// The relay's publisher against a real JetStream: what a consumer reads back, duplicates, refusals, a closed connection.
import { type JetStreamClient, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { type NatsConnection, connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventHeaders } from '../../src/events/eventHeaders.js';
import { createPublisher } from '../../src/events/publisher.js';
import { type TestNats, startTestNats } from '../support/nats.js';

const STREAM = 'PUBLISHER_EVENTS';
let nats: TestNats;
let nc: NatsConnection;
let js: JetStreamClient;

const event = (n: number) => ({
  eventId: `019ab1c2-0000-7000-8000-${String(n).padStart(12, '0')}`,
  tenant: 'acme',
  schema: 'ticket.event.created@v1',
  correlationId: `req-${n}`,
  subject: `pub.test.${n % 3}`,
  payload: new Uint8Array([n & 0xff, 1, 2, 3]),
});

beforeAll(async () => {
  nats = await startTestNats();
  nc = await connect({ servers: nats.url });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: STREAM, subjects: ['pub.test.>'], duplicate_window: 60_000_000_000 });
  js = jetstream(nc);
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

describe('the publisher', () => {
  it('stores each event once, in publish order, with the headers a consumer reads back', async () => {
    const publisher = createPublisher(js, { ackTimeoutMs: 5000 });
    const events = Array.from({ length: 50 }, (_, i) => event(i));
    // Pipelined, as the relay does: every publish in flight before the first ack is awaited.
    const acks = await Promise.all(events.map((e) => publisher.publish(e.subject, e.payload, eventHeaders(e))));
    expect(acks.map((a) => a.stream)).toEqual(events.map(() => STREAM));
    expect(acks.every((a) => !a.duplicate)).toBe(true);
    expect(acks.map((a) => a.seq)).toEqual(events.map((_, i) => acks[0]!.seq + i));

    const stored = await js.jetstreamManager().then((jsm) => jsm.streams.getMessage(STREAM, { seq: acks[7]!.seq }));
    const e = events[7]!;
    expect(stored?.subject).toBe(e.subject);
    expect(stored?.data).toEqual(e.payload);
    const h = stored!.header;
    expect(h.get('Nats-Msg-Id')).toBe(e.eventId);
    expect(h.values('Nats-Msg-Id')).toHaveLength(1);
    expect(h.get('tenant')).toBe(e.tenant);
    expect(h.get('schema')).toBe(e.schema);
    expect(h.get('Content-Type')).toBe('application/x-protobuf');
    expect(h.get('correlation-id')).toBe(e.correlationId);
  });

  it('resolves a republished event as a duplicate ack, not a failure', async () => {
    const publisher = createPublisher(js);
    const e = event(1000);
    const first = await publisher.publish(e.subject, e.payload, eventHeaders(e));
    const again = await publisher.publish(e.subject, e.payload, eventHeaders(e));
    expect(first.duplicate).toBe(false);
    expect(again).toMatchObject({ stream: STREAM, seq: first.seq, duplicate: true });
  });

  it('rejects a publish no stream captures', async () => {
    const publisher = createPublisher(js, { ackTimeoutMs: 2000 });
    const e = event(2000);
    await expect(publisher.publish('nobody.captures.this', e.payload, eventHeaders(e))).rejects.toThrow();
  });

  it('rejects the publishes still waiting for their ack when the connection closes', async () => {
    const other = await connect({ servers: nats.url });
    const publisher = createPublisher(jetstream(other), { ackTimeoutMs: 30_000 });
    // A subscriber that never answers: the publish is delivered, and its ack never comes.
    const silent = nc.subscribe('silent.subject');
    await nc.flush();
    const e = event(3000);
    const caught = publisher.publish('silent.subject', e.payload, eventHeaders(e)).catch((error: unknown) => error);
    await other.flush();
    await other.close();
    expect(String(await caught)).toMatch(/closed/);
    silent.unsubscribe();
  });
});
