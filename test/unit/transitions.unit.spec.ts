// SPEC §4 on a ticket: firing a transition moves its status, keeps assignee, resolved_at and
// closed_at, and raises one transitioned event; customers act only on their own tickets.
import { describe, expect, it } from 'vitest';
import { createTicket, deleteTicket, readTicket, transitionTicket, updateTicket } from '../../src/domain/ticket.js';
import { NOW, accepted, context, existing } from '../support/tickets.js';

const agent = context();
const customer = context({ principal: { id: 'cust-7', roles: ['customer'] } });
const stranger = context({ principal: { id: 'cust-8', roles: ['customer'] } });

describe('firing a transition on a ticket', () => {
  it('assigns a new ticket to the given assignee, one version up', () => {
    const decision = accepted(transitionTicket(existing(), 'assign', { assignee: 'dana' }, undefined, agent));
    expect(decision.write).toEqual({ kind: 'update', ticket: existing({ status: 'assigned', assignee: 'dana', version: 4, updatedAt: NOW }) });
  });

  it('raises one transitioned event with from, to, the transition and the comment', () => {
    const decision = accepted(transitionTicket(existing(), 'assign', { assignee: 'dana', comment: 'yours' }, undefined, agent));
    expect(decision.events).toEqual([{
      action: 'transitioned',
      ticket: decision.write.ticket,
      changedFields: ['status', 'assignee'],
      ctx: agent,
      transition: { name: 'assign', from: 'new', to: 'assigned', comment: 'yours' },
    }]);
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
      ok: false, code: 'transition_not_enabled', transition: 'close', from: 'new', enabled: ['assign'],
    });
  });

  it('refuses a role that may not fire it, and an unknown name', () => {
    expect(transitionTicket(existing({ status: 'escalated' }), 'resolve_escalated', {}, undefined, agent)).toMatchObject({ code: 'role_not_allowed' });
    expect(transitionTicket(existing(), 'vanish', {}, undefined, agent)).toMatchObject({ code: 'unknown_transition' });
  });

  it('refuses a stale If-Match', () => {
    expect(transitionTicket(existing(), 'assign', { assignee: 'dana' }, { versions: [2], raw: '"2"' }, agent)).toMatchObject({
      code: 'version_mismatch', actual: 3,
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
      ok: false, code: 'forbidden', field: 'customer_id',
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
