// SPEC §8: a dead letter keeps the original headers and adds the error and the delivery count.
import { headers } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { consumersIn, deadLetterHeaders, dlqStreamSubjects, dlqSubject, redriveHeaders, redriveSubject } from '../../src/consumers/dlq.js';

const original = () => {
  const h = headers();
  h.set('Nats-Msg-Id', 'evt-1');
  h.set('tenant', 'acme');
  h.set('schema', 'ticket.event.created@v1');
  h.set('correlation-id', 'corr-1');
  return h;
};

const facts = {
  consumer: 'notify',
  originalSubject: 'acme.ticket.ticket.event.created',
  eventId: 'evt-1',
  error: 'HTTP 500\nfrom receiver',
  deliveryCount: 6,
  stream: 'TICKET_EVENTS',
  streamSeq: 42,
  failedAt: '2026-01-01T00:00:00.000Z',
};

describe('dead-letter subjects', () => {
  it('prefix the original subject with dlq and the consumer', () => {
    expect(dlqSubject('notify', 'acme.ticket.ticket.event.created')).toBe('dlq.notify.acme.ticket.ticket.event.created');
    expect(redriveSubject('notify', 'acme.ticket.ticket.event.created')).toBe('redrive.notify.acme.ticket.ticket.event.created');
  });

  it('are added to the DLQ stream per consumer, and the consumers can be read back from them', () => {
    expect(dlqStreamSubjects('audit')).toEqual(['dlq.audit.>', 'redrive.audit.>']);
    expect(consumersIn(['dlq.audit.>', 'redrive.audit.>', 'dlq.notify.>'])).toEqual(['audit', 'notify']);
  });
});

describe('dead-letter headers', () => {
  const h = deadLetterHeaders(original(), facts);

  it('keep the original headers', () => {
    expect([h.get('tenant'), h.get('schema'), h.get('correlation-id')]).toEqual(['acme', 'ticket.event.created@v1', 'corr-1']);
  });

  it('add the consumer, subject, event id, delivery count and where it came from', () => {
    expect({
      consumer: h.get('dlq-consumer'),
      subject: h.get('dlq-subject'),
      event: h.get('dlq-event-id'),
      count: h.get('dlq-delivery-count'),
      stream: h.get('dlq-stream'),
      seq: h.get('dlq-stream-seq'),
      at: h.get('dlq-failed-at'),
    }).toEqual({
      consumer: 'notify',
      subject: 'acme.ticket.ticket.event.created',
      event: 'evt-1',
      count: '6',
      stream: 'TICKET_EVENTS',
      seq: '42',
      at: facts.failedAt,
    });
  });

  it('carry the error on one line', () => {
    expect(h.get('dlq-error')).toBe('HTTP 500 from receiver');
  });

  it('do not reuse the event id as Nats-Msg-Id, so two consumers can dead-letter the same event', () => {
    const other = deadLetterHeaders(original(), { ...facts, consumer: 'audit' });
    expect(h.get('Nats-Msg-Id')).not.toBe('evt-1');
    expect(h.get('Nats-Msg-Id')).not.toBe(other.get('Nats-Msg-Id'));
  });

  it('give a re-drive an id of its own that is the same each time the same dead letter is replayed', () => {
    expect(redriveHeaders(h, 'TICKET_DLQ', 7).get('Nats-Msg-Id')).toBe('redrive:TICKET_DLQ:7');
    expect(redriveHeaders(h, 'TICKET_DLQ', 7).get('dlq-event-id')).toBe('evt-1');
  });
});
