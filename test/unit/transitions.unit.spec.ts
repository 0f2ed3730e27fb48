// SPEC §4 on a ticket: firing a transition moves its status, keeps assignee, resolved_at and
// closed_at, and raises one transitioned event; customers act only on their own tickets.
import { describe, expect, it } from 'vitest';
import { slaChangedEvents } from '../../src/domain/slaMetrics.js';
import { checkSla, createTicket, deleteTicket, readTicket, transitionTicket, updateTicket } from '../../src/domain/ticketCommands.js';
import { NOW, accepted, context, existing } from '../support/tickets.js';

const agent = context();
const customer = context({ principal: { id: 'cust-7', roles: ['customer'] } });
const stranger = context({ principal: { id: 'cust-8', roles: ['customer'] } });

describe('firing a transition on a ticket', () => {
  it('assigns a new ticket to the given assignee, one version up', () => {
    const decision = accepted(transitionTicket(existing(), 'assign', { assignee: 'dana' }, undefined, agent));
    expect(decision.write).toEqual({
      kind: 'update',
      ticket: existing({ status: 'assigned', assignee: 'dana', version: 4, updatedAt: NOW, statusChangedAt: NOW }),
    });
  });

  it('raises one transitioned event with from, to, the transition and the comment', () => {
    const decision = accepted(transitionTicket(existing(), 'assign', { assignee: 'dana', comment: 'yours' }, undefined, agent));
    expect(decision.events).toEqual([
      {
        action: 'transitioned',
        ticket: decision.write.ticket,
        changedFields: ['status', 'assignee'],
        actor: agent.principal.id,
        transition: { name: 'assign', from: 'new', to: 'assigned', comment: 'yours' },
      },
    ]);
  });

  it('refuses assign without an assignee', () => {
    expect(transitionTicket(existing(), 'assign', {}, undefined, agent)).toEqual({ ok: false, code: 'assignee_required' });
  });

  it('stamps resolved_at on resolve and closed_at on close, and clears both on reopen', () => {
    const resolved = accepted(transitionTicket(existing({ status: 'in_progress' }), 'resolve', {}, undefined, agent)).write.ticket;
    expect(resolved).toMatchObject({ status: 'resolved', resolvedAt: NOW, closedAt: null });
    const closed = accepted(transitionTicket(resolved, 'close', {}, undefined, agent)).write.ticket;
    expect(closed).toMatchObject({ status: 'closed', resolvedAt: NOW, closedAt: NOW });
    const reopened = accepted(transitionTicket(closed, 'reopen', {}, undefined, customer)).write.ticket;
    expect(reopened).toMatchObject({ status: 'new', resolvedAt: null, closedAt: null, version: closed.version + 1 });
  });

  it('refuses a transition that is not enabled, naming the ones that are', () => {
    expect(transitionTicket(existing(), 'close', {}, undefined, agent)).toEqual({
      ok: false,
      code: 'transition_not_enabled',
      transition: 'close',
      from: 'new',
      enabled: ['assign'],
    });
  });

  it('refuses a role that may not fire it, and an unknown name', () => {
    expect(transitionTicket(existing({ status: 'escalated' }), 'resolve_escalated', {}, undefined, agent)).toMatchObject({ code: 'role_not_allowed' });
    expect(transitionTicket(existing(), 'vanish', {}, undefined, agent)).toMatchObject({ code: 'unknown_transition' });
  });

  it('refuses a stale If-Match', () => {
    expect(transitionTicket(existing(), 'assign', { assignee: 'dana' }, { versions: [2], raw: '"2"' }, agent)).toMatchObject({
      code: 'version_mismatch',
      actual: 3,
    });
  });

  it("answers not found to a customer firing on someone else's ticket, before saying anything about the net", () => {
    expect(transitionTicket(existing({ status: 'closed' }), 'reopen', {}, undefined, stranger)).toEqual({ ok: false, code: 'not_found' });
  });
});

describe('what a customer may do', () => {
  it('files tickets for themselves only', () => {
    const own = accepted(createTicket({ title: 'Help', createdBy: 'cust-7' }, customer)).write.ticket;
    expect(own.customerId).toBe('cust-7');
    expect(createTicket({ title: 'Help', createdBy: 'cust-7', customerId: 'cust-9' }, customer)).toMatchObject({
      ok: false,
      code: 'forbidden',
      field: 'customer_id',
    });
  });

  it('reads and edits the title and description of their own ticket, and nothing of others', () => {
    expect(readTicket(existing(), customer).ok).toBe(true);
    expect(readTicket(existing(), stranger)).toEqual({ ok: false, code: 'not_found' });
    expect(accepted(updateTicket(existing(), { title: 'Still jammed' }, undefined, customer)).write.ticket.title).toBe('Still jammed');
    expect(updateTicket(existing(), { priority: 'critical' }, undefined, customer)).toMatchObject({ code: 'forbidden', field: 'priority' });
    expect(updateTicket(existing(), { title: 'x' }, undefined, stranger)).toEqual({ ok: false, code: 'not_found' });
  });

  it('deletes nothing', () => {
    expect(deleteTicket(existing(), undefined, customer)).toMatchObject({ code: 'forbidden' });
    expect(deleteTicket(existing(), undefined, stranger)).toEqual({ ok: false, code: 'not_found' });
  });
});

describe('the SLA clock through the workflow', () => {
  const fresh = () => accepted(createTicket({ title: 'Down', createdBy: 'bob', priority: 'critical', customerId: 'cust-7' }, agent)).write.ticket;
  const later = (minutes: number) => context({ now: new Date(Date.parse(NOW) + minutes * 60_000).toISOString() });
  const fireAt = (t: ReturnType<typeof fresh>, name: string, minutes: number, input = {}) =>
    accepted(transitionTicket(t, name, input, undefined, later(minutes))).write.ticket;

  it('starts at create from the tier and priority, and leaving new meets the response', () => {
    const t = fresh();
    expect(t.sla).toMatchObject({ startedAt: NOW, response: { minutes: 15, metAt: null }, resolution: { minutes: 240 } });
    expect(fireAt(t, 'assign', 3, { assignee: 'dana' }).sla?.response.metAt).toBe(later(3).now);
  });

  it('pauses in pending_customer, resumes on the reply, and resolving meets the resolution', () => {
    let t = fireAt(fireAt(fresh(), 'assign', 1, { assignee: 'dana' }), 'start_work', 2);
    t = fireAt(t, 'request_info', 10);
    expect(t.sla?.pausedAt).toBe(later(10).now);
    t = accepted(transitionTicket(t, 'customer_reply', {}, undefined, { ...later(70), principal: { id: 'cust-7', roles: ['customer'] } })).write.ticket;
    expect(t.sla).toMatchObject({ pausedAt: null, pausedMs: 60 * 60_000 });
    expect(fireAt(t, 'resolve', 80).sla?.resolution.metAt).toBe(later(80).now);
  });

  it('starts a new round on reopen', () => {
    let t = fireAt(fireAt(fireAt(fresh(), 'assign', 1, { assignee: 'dana' }), 'start_work', 2), 'resolve', 3);
    t = fireAt(t, 'close', 4);
    const reopened = accepted(transitionTicket(t, 'reopen', {}, undefined, { ...later(100), principal: { id: 'cust-7', roles: ['customer'] } })).write.ticket;
    expect(reopened.sla).toMatchObject({ startedAt: later(100).now, response: { metAt: null }, resolution: { metAt: null } });
  });
});

describe('the SLA check', () => {
  const ticket = () => accepted(createTicket({ title: 'Down', createdBy: 'bob', priority: 'critical' }, agent)).write.ticket;
  const at = (minutes: number) => context({ now: new Date(Date.parse(NOW) + minutes * 60_000).toISOString() });

  it('changes nothing before a threshold', () => {
    expect(checkSla(ticket(), at(5))).toMatchObject({ ok: true, write: { kind: 'none' }, events: [] });
  });

  it('marks the alert threshold, one version up, without escalating; the alert is an SLA metric event', () => {
    const before = ticket();
    const decision = accepted(checkSla(before, at(13)));
    expect(decision.write.ticket).toMatchObject({ version: 2, escalationLevel: 0 });
    expect(decision.events).toEqual([]);
    expect(slaChangedEvents(before, decision.write.ticket, 'system:sla', at(13).now)).toEqual([
      expect.objectContaining({
        action: 'sla_changed',
        slaChange: { from: 'ok', to: 'alert', crossed: ['response_alert'], metric: { type: 'alerted', target: 'response', round: 0, at: at(13).now } },
      }),
    ]);
  });

  it('escalates and requests a notification on a breach, once', () => {
    const before = ticket();
    const decision = accepted(checkSla(before, at(16)));
    expect(decision.write.ticket.escalationLevel).toBe(1);
    expect(decision.events.map((e) => e.action)).toEqual(['notification_requested']);
    expect(decision.events[0]).toMatchObject({ notification: { reason: 'sla_breached', keywords: ['response'] } });
    const metrics = slaChangedEvents(before, decision.write.ticket, 'system:sla', at(16).now);
    expect(metrics.map((e) => (e.action === 'sla_changed' ? [e.slaChange.metric?.type, e.changedFields] : []))).toEqual([
      ['alerted', ['sla']],
      ['breached', ['sla', 'escalation_level']],
    ]);
    expect(checkSla(decision.write.ticket, at(16))).toMatchObject({ write: { kind: 'none' }, events: [] });
  });
});

describe('routing at create', () => {
  const routing = { rules: [{ priority: 'critical' as const, assignee: 'oncall' }], fallback: 'triage' };

  it('fires assign for the matching rule, as the system, after the created event', () => {
    const decision = accepted(createTicket({ title: 'Down', createdBy: 'bob', priority: 'critical' }, context({ routing })));
    expect(decision.write).toMatchObject({ kind: 'insert', ticket: { status: 'assigned', assignee: 'oncall', version: 2 } });
    expect(decision.events.map((e) => e.action)).toEqual(['created', 'transitioned']);
    expect(decision.events[1]!.actor).toBe('system:routing');
  });

  it('falls back when no rule matches, and leaves the ticket new with neither', () => {
    expect(accepted(createTicket({ title: 'x', createdBy: 'bob', priority: 'low' }, context({ routing }))).write.ticket.assignee).toBe('triage');
    expect(
      accepted(createTicket({ title: 'x', createdBy: 'bob', priority: 'low' }, context({ routing: { rules: routing.rules, fallback: null } }))).write.ticket
        .status,
    ).toBe('new');
  });
});
