// SPEC §7: the subject and `schema` header of every event, and the stream that captures them.
import { describe, expect, it } from 'vitest';
import type { EventAction } from '../../src/domain/events.js';
import { STREAM_SUBJECTS, schemaFor, subjectFor } from '../../src/events/subjects.js';

/** NATS subject matching: `*` is one token, `>` the rest. */
function captures(pattern: string, subject: string): boolean {
  const want = pattern.split('.');
  const got = subject.split('.');
  for (const [i, token] of want.entries()) {
    if (token === '>') return got.length > i;
    if (got[i] === undefined || (token !== '*' && token !== got[i])) return false;
  }
  return want.length === got.length;
}

describe('event subjects and schema headers', () => {
  it.each<[EventAction, string, string]>([
    ['created', 'acme.ticket.ticket.event.created', 'ticket.event.created@v1'],
    ['updated', 'acme.ticket.ticket.event.updated', 'ticket.event.updated@v1'],
    ['deleted', 'acme.ticket.ticket.event.deleted', 'ticket.event.deleted@v1'],
    ['read', 'acme.ticket.ticket.event.read', 'ticket.event.read@v1'],
    ['listed', 'acme.ticket.ticket.event.listed', 'ticket.event.listed@v1'],
    ['notification_requested', 'acme.notification.notification.event.requested', 'notification.event.requested@v1'],
  ])('publishes %s on %s with schema %s', (action, subject, schema) => {
    expect(subjectFor('acme', action)).toBe(subject);
    expect(schemaFor(action)).toBe(schema);
  });

  it("puts the tenant in the first token, so one tenant's events never reach another's subjects", () => {
    expect(subjectFor('tenant-b', 'created').split('.')[0]).toBe('tenant-b');
    expect(subjectFor('tenant-b', 'notification_requested').split('.')[0]).toBe('tenant-b');
  });
});

describe('the TICKET_EVENTS stream subjects', () => {
  const specActions = ['created', 'updated', 'deleted', 'read', 'listed', 'transitioned', 'commented', 'attachment_added', 'sla_changed'];

  it.each([...specActions.map((a) => `acme.ticket.ticket.event.${a}`), 'acme.notification.notification.event.requested'])('capture %s', (subject) => {
    expect(STREAM_SUBJECTS.some((pattern) => captures(pattern, subject))).toBe(true);
  });

  it('capture nothing outside the event contract', () => {
    for (const subject of ['acme.ticket.ticket.command.create', 'acme.notification.notification.event.sent', 'ticket.event.created']) {
      expect(STREAM_SUBJECTS.some((pattern) => captures(pattern, subject))).toBe(false);
    }
  });
});
