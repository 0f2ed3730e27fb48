// SPEC §3 and §6: the ticket deciders — create, update (with If-Match), delete and read.
import { describe, expect, it } from 'vitest';
import type { NewTicket, TicketPatch } from '../../src/domain/ticket.js';
import { type Precondition, createTicket, deleteTicket, readTicket, updateTicket } from '../../src/domain/ticketCommands.js';
import { CREATED_AT, NOW, accepted, context, existing } from '../support/tickets.js';

const minutesIn = (minutes: number) => new Date(Date.parse(NOW) + minutes * 60_000).toISOString();

const versions = (list: number[]): Precondition => ({ versions: list, raw: list.map((v) => `"${v}"`).join(', ') });

describe('creating a ticket', () => {
  it('starts as a new ticket at version 1 with the documented defaults', () => {
    const { write } = accepted(createTicket({ title: 'Printer jams', createdBy: 'bob' }, context()));
    expect(write).toEqual({
      kind: 'insert',
      ticket: {
        id: 'id-1',
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
        sla: {
          startedAt: NOW,
          calendar: '24x7',
          pausedMs: 0,
          pausedAt: null,
          alertThreshold: 0.85,
          response: {
            minutes: 240,
            startedAt: NOW,
            pausedMinutes: 0,
            dueAt: minutesIn(240),
            alertAt: minutesIn(240 * 0.85),
            metAt: null,
            alertedAt: null,
            breachedAt: null,
          },
          resolution: {
            minutes: 4320,
            startedAt: NOW,
            pausedMinutes: 0,
            dueAt: minutesIn(4320),
            alertAt: minutesIn(4320 * 0.85),
            metAt: null,
            alertedAt: null,
            breachedAt: null,
          },
          nextReply: [],
        },
        version: 1,
        createdAt: NOW,
        updatedAt: NOW,
        resolvedAt: null,
        closedAt: null,
        statusChangedAt: NOW,
      },
    });
  });

  it('keeps every field the client gave', () => {
    const input: NewTicket = {
      title: 'Login fails',
      description: 'SSO loops',
      createdBy: 'carol',
      type: 'bug',
      priority: 'high',
      customerId: 'cust-9',
      customerTier: 'enterprise',
      tags: ['sso', 'login'],
      externalId: 'JIRA-12',
    };
    const { ticket } = accepted(createTicket(input, context())).write;
    expect(ticket).toMatchObject({ ...input, status: 'new', version: 1 });
  });

  it('raises one created event naming the fields the client gave', () => {
    const { events, write } = accepted(createTicket({ title: 'Printer jams', createdBy: 'bob', priority: 'low', type: undefined }, context()));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: 'created', ticket: write.ticket, changedFields: ['title', 'created_by', 'priority'] });
  });

  it('also requests a notification when the description contains a severity keyword', () => {
    const { events, write } = accepted(createTicket({ title: 'Down', description: 'Checkout is CRITICAL', createdBy: 'bob' }, context()));
    expect(events.map((e) => e.action)).toEqual(['created', 'notification_requested']);
    expect(events[1]).toMatchObject({ ticket: write.ticket, notification: { reason: 'severity_keyword', keywords: ['critical'] } });
  });

  it('requests no notification without a keyword or without a description', () => {
    const calm = accepted(createTicket({ title: 'Critical printer', description: 'needs toner', createdBy: 'bob' }, context()));
    const bare = accepted(createTicket({ title: 'Major issue', createdBy: 'bob' }, context()));
    expect(calm.events.map((e) => e.action)).toEqual(['created']);
    expect(bare.events.map((e) => e.action)).toEqual(['created']);
  });

  it('uses the tenant keywords it is given, not a built-in list', () => {
    const { events } = accepted(createTicket({ title: 't', description: 'sev1 outage', createdBy: 'bob' }, context({ severityKeywords: ['sev1'] })));
    expect(events[1]).toMatchObject({ action: 'notification_requested', notification: { keywords: ['sev1'] } });
  });
});

describe('updating a ticket', () => {
  it('bumps the version by one and stamps updated_at, keeping created_at', () => {
    const { write } = accepted(updateTicket(existing(), { priority: 'high' }, undefined, context()));
    expect(write.kind).toBe('update');
    expect(write.ticket).toMatchObject({ priority: 'high', version: 4, updatedAt: NOW, createdAt: CREATED_AT });
  });

  it('raises an updated event naming only the fields whose value changed', () => {
    const { events, write } = accepted(
      updateTicket(existing(), { title: 'Printer jams', priority: 'low', tags: ['printer', 'floor:3'] }, undefined, context()),
    );
    expect(events).toEqual([{ action: 'updated', ticket: write.ticket, changedFields: ['priority', 'tags'], actor: context().principal.id }]);
  });

  it.each<[string, TicketPatch]>([
    ['an empty patch', {}],
    ['the same values', { title: 'Printer jams', priority: 'medium', tags: ['printer', 'floor:2'], customerId: 'cust-7' }],
    ['keys left undefined', { title: undefined, description: undefined }],
  ])('changes nothing, raises no event and keeps the version for %s', (_name, patch) => {
    const current = existing();
    const decision = accepted(updateTicket(current, patch, undefined, context()));
    expect(decision.write).toEqual({ kind: 'none', ticket: current });
    expect(decision.events).toEqual([]);
  });

  // The PATCH route passes every body key, so a field the client left out arrives as undefined.
  it('keeps the description when a patch leaves it out', () => {
    const { write } = accepted(updateTicket(existing(), { priority: 'high', description: undefined }, undefined, context()));
    expect(write.ticket).toMatchObject({ priority: 'high', description: 'Paper jam on floor 2' });
  });

  it('treats an empty description as no description, as create does', () => {
    const { write, events } = accepted(updateTicket(existing(), { description: '' }, undefined, context()));
    expect(write.ticket.description).toBeNull();
    expect(events[0]).toMatchObject({ action: 'updated', changedFields: ['description'] });
    expect(accepted(createTicket({ title: 't', description: '', createdBy: 'bob' }, context())).write.ticket.description).toBeNull();
  });

  it('clears optional fields given as null', () => {
    const { write } = accepted(updateTicket(existing(), { description: null, customerId: null }, undefined, context()));
    expect(write.ticket).toMatchObject({ description: null, customerId: null, version: 4 });
  });

  it('leaves the current ticket as it was', () => {
    const current = existing();
    const before = structuredClone(current);
    updateTicket(current, { title: 'New title', tags: [] }, undefined, context());
    expect(current).toEqual(before);
  });

  it('requests a notification when the changed description contains a severity keyword', () => {
    const { events, write } = accepted(updateTicket(existing(), { description: 'now a major outage' }, undefined, context()));
    expect(events.map((e) => e.action)).toEqual(['updated', 'notification_requested']);
    expect(events[1]).toMatchObject({ ticket: write.ticket, notification: { reason: 'severity_keyword', keywords: ['major'] } });
  });

  it('requests no notification when the description did not change, even if it has a keyword', () => {
    const current = existing({ description: 'critical: paper jam' });
    const { events } = accepted(updateTicket(current, { title: 'Paper jam', description: 'critical: paper jam' }, undefined, context()));
    expect(events.map((e) => e.action)).toEqual(['updated']);
  });

  it('requests no notification when the new description has no keyword', () => {
    const { events } = accepted(updateTicket(existing(), { description: 'toner is low' }, undefined, context()));
    expect(events.map((e) => e.action)).toEqual(['updated']);
  });
});

describe('If-Match preconditions on update and delete', () => {
  it('applies the change without a precondition', () => {
    expect(accepted(updateTicket(existing(), { priority: 'low' }, undefined, context())).write.ticket.version).toBe(4);
  });

  it("applies the change for '*' whatever the version", () => {
    const any: Precondition = { versions: 'any', raw: '*' };
    expect(accepted(updateTicket(existing({ version: 17 }), { priority: 'low' }, any, context())).write.ticket.version).toBe(18);
  });

  it('applies the change when one of the listed versions is current', () => {
    expect(accepted(updateTicket(existing(), { priority: 'low' }, versions([2, 3]), context())).write.ticket.version).toBe(4);
  });

  it('refuses a stale version, naming what the client sent and the current version', () => {
    const decision = updateTicket(existing(), { priority: 'low' }, { versions: [2], raw: '"2"' }, context());
    expect(decision).toEqual({ ok: false, code: 'version_mismatch', expected: '"2"', actual: 3 });
  });

  it('refuses a stale version even for a patch that would change nothing', () => {
    expect(updateTicket(existing(), {}, versions([1]), context())).toMatchObject({ ok: false, code: 'version_mismatch' });
  });

  it('refuses an If-Match that names no version at all', () => {
    expect(updateTicket(existing(), { priority: 'low' }, { versions: [], raw: 'garbage' }, context())).toMatchObject({
      ok: false,
      code: 'version_mismatch',
      expected: 'garbage',
    });
  });

  it('refuses to delete a ticket whose version moved on', () => {
    expect(deleteTicket(existing(), versions([2]), context())).toEqual({ ok: false, code: 'version_mismatch', expected: '"2"', actual: 3 });
  });
});

describe('deleting a ticket', () => {
  it('deletes it and raises a deleted event at the next version, so history stays in version order', () => {
    const decision = accepted(deleteTicket(existing(), versions([3]), context()));
    expect(decision.write.kind).toBe('delete');
    expect(decision.write.ticket).toMatchObject({ id: 'ticket-1', version: 4, updatedAt: NOW });
    expect(decision.events).toEqual([{ action: 'deleted', ticket: decision.write.ticket, changedFields: [], actor: expect.any(String) }]);
  });
});

describe('reading a ticket', () => {
  it('writes nothing and raises a read event for the audit trail', () => {
    const current = existing();
    const ctx = context();
    const decision = accepted(readTicket(current, ctx));
    expect(decision.write).toEqual({ kind: 'none', ticket: current });
    expect(decision.events).toEqual([{ action: 'read', ticket: current, changedFields: [], actor: ctx.principal.id }]);
  });
});
