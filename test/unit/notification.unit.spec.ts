// SPEC §8 notify: what a notification says on each channel, how it is signed, and its delivery id.
import { describe, expect, it } from 'vitest';
import type { ConsumedEvent } from '../../src/consumers/consumedEvent.js';
import { deliveryId, isSlackTarget, slackPayload, toNotification, webhookPayload } from '../../src/consumers/notify/notification.js';
import { signBody, verifySignature } from '../../src/consumers/notify/signature.js';
import type { Ticket } from '../../src/domain/ticket.js';

const ticket: Ticket = {
  id: 't-1',
  tenant: 'acme',
  title: 'Printer <on> fire & smoke',
  description: 'critical',
  createdBy: 'bob',
  type: 'support',
  priority: 'high',
  status: 'new',
  customerId: 'c-7',
  customerTier: 'standard',
  assignee: null,
  tags: [],
  externalId: null,
  escalationLevel: 0,
  githubIssue: null,
  sla: null,
  version: 3,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  resolvedAt: null,
  closedAt: null,
  statusChangedAt: '2025-01-01T09:00:00.000Z',
};

const consumed = (over: Partial<ConsumedEvent> = {}): ConsumedEvent => ({
  eventId: 'e-1',
  tenant: 'acme',
  subject: 'acme.notification.notification.event.requested',
  meta: {
    eventId: 'e-1',
    tenant: 'acme',
    occurredAt: '2026-01-01T00:00:01.000Z',
    schema: 'notification.event.requested@v1',
    correlationId: 'corr-1',
    actor: 'bob',
    action: 'notification_requested',
  },
  changedFields: [],
  ticket,
  notification: { reason: 'severity_keyword', keywords: ['critical', 'major'] },
  listing: undefined,
  transition: undefined,
  slaChange: undefined,
  comment: undefined,
  attachment: undefined,
  ...over,
});

describe('turning an event into a notification', () => {
  it('takes the reason, keywords and ticket of a notification request', () => {
    expect(toNotification(consumed())).toMatchObject({
      event: 'notification.event.requested',
      reason: 'severity_keyword',
      keywords: ['critical', 'major'],
      tenant: 'acme',
      ticket: { id: 't-1', priority: 'high', status: 'new', version: 3 },
      correlationId: 'corr-1',
    });
  });

  it('makes an SLA threshold crossed a notification with reason sla_changed, and no other SLA metric event', () => {
    const sla = (metric: 'alerted' | 'activated', crossed: string[]) =>
      consumed({
        subject: 'acme.ticket.ticket.event.sla_changed',
        notification: undefined,
        slaChange: { from: 'ok', to: 'alert', crossed, metric: { type: metric, target: 'response', round: 0, at: '2025-01-01T09:00:00.000Z' } },
        meta: { ...consumed().meta, action: 'sla_changed' },
      });
    expect(toNotification(sla('alerted', ['response_alert']))).toMatchObject({
      event: 'ticket.event.sla_changed',
      reason: 'sla_changed',
      keywords: ['response_alert'],
    });
    expect(toNotification(sla('activated', []))).toBeUndefined();
  });

  it('notifies nobody about other events or events without a ticket', () => {
    expect(toNotification(consumed({ subject: 'acme.ticket.ticket.event.updated', meta: { ...consumed().meta, action: 'updated' } }))).toBeUndefined();
    expect(toNotification(consumed({ ticket: null }))).toBeUndefined();
  });
});

describe('webhook signatures', () => {
  const body = '{"event":"notification.event.requested"}';

  it('are sha256=<hex HMAC-SHA256 of the body with the secret>', () => {
    // Computed independently: echo -n '<body>' | openssl dgst -sha256 -hmac 'It is a secret!!'
    expect(signBody('It is a secret!!', body)).toBe('sha256=5b9e791604e91148da0b2b78e596a327483ad5617f0908d84cb304f53b642275');
  });

  it('verify with the same secret and body only', () => {
    const header = signBody('It is a secret!!', body);
    expect(verifySignature('It is a secret!!', body, header)).toBe(true);
    expect(verifySignature('another secret!!', body, header)).toBe(false);
    expect(verifySignature('It is a secret!!', `${body} `, header)).toBe(false);
    expect(verifySignature('It is a secret!!', body, undefined)).toBe(false);
  });
});

describe('delivery ids', () => {
  it('are the same for every retry of one event to one webhook and differ between webhooks and events', () => {
    expect(deliveryId('w-1', 'e-1')).toBe(deliveryId('w-1', 'e-1'));
    expect(deliveryId('w-1', 'e-1')).not.toBe(deliveryId('w-2', 'e-1'));
    expect(deliveryId('w-1', 'e-1')).not.toBe(deliveryId('w-1', 'e-2'));
    expect(deliveryId('w-1', 'e-1')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });
});

describe('webhook bodies', () => {
  const n = toNotification(consumed())!;

  it('carry the delivery id, event, ticket, reason and correlation id', () => {
    expect(webhookPayload(n, 'd-1')).toEqual({
      delivery_id: 'd-1',
      event: 'notification.event.requested',
      event_id: 'e-1',
      tenant: 'acme',
      occurred_at: '2026-01-01T00:00:01.000Z',
      correlation_id: 'corr-1',
      reason: 'severity_keyword',
      keywords: ['critical', 'major'],
      ticket: { id: 't-1', title: 'Printer <on> fire & smoke', priority: 'high', status: 'new', assignee: null, customer_id: 'c-7', version: 3 },
    });
  });

  it("take Slack's {text} shape, with Slack's control characters escaped", () => {
    expect(slackPayload(n)).toEqual({
      text: '[acme] Ticket "Printer &lt;on&gt; fire &amp; smoke" (high, new) needs attention: severity keyword: critical, major. Ticket t-1',
    });
  });

  it("go to Slack in Slack's shape only when the target is a Slack incoming webhook", () => {
    expect(isSlackTarget('https://hooks.slack.com/services/T000/B000/XXXX')).toBe(true);
    expect(isSlackTarget('https://hooks.slack.com.evil.example/services/x')).toBe(false);
    expect(isSlackTarget('https://example.com/hooks.slack.com')).toBe(false);
  });
});
