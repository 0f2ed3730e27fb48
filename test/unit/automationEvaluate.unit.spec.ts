// SPEC §13: when a rule matches and what it would do. Conditions read the ticket after the event
// and the event itself; planning merges every field action into one change.
import { describe, expect, it } from 'vitest';
import { type RuleEvent, conditionHolds, planActions, ruleMatchesEvent, ruleMatchesIdle } from '../../src/automations/evaluate.js';
import type { Action, AutomationRule, Condition, When } from '../../src/automations/ruleSchema.js';
import type { Ticket } from '../../src/domain/ticket.js';

const UPDATED_AT = '2025-01-01T09:00:00.000Z';
const HOUR = 3_600_000;

function ticket(overrides: Partial<Ticket> = {}): Ticket {
  return {
    id: 'ticket-1',
    tenant: 'acme',
    title: 'Printer jams on Floor 2',
    description: 'Paper jam, again',
    createdBy: 'bob',
    type: 'support',
    priority: 'medium',
    status: 'in_progress',
    customerId: 'cust-7',
    customerTier: 'premium',
    assignee: 'alice',
    tags: ['printer', 'floor:2'],
    externalId: null,
    escalationLevel: 1,
    githubIssue: null,
    sla: null,
    version: 3,
    createdAt: UPDATED_AT,
    updatedAt: UPDATED_AT,
    resolvedAt: null,
    closedAt: null,
    statusChangedAt: UPDATED_AT,
    ...overrides,
  };
}

function event(overrides: Partial<RuleEvent> = {}): RuleEvent {
  return { action: 'updated', ticket: ticket(), changedFields: [], actor: 'carol', ...overrides };
}

function rule(when: When, actions: Action[] = [{ add_tags: ['x'] }]): AutomationRule {
  return { id: 'r1', tenant: 'acme', name: 'r', enabled: true, position: 0, when, actions, createdAt: UPDATED_AT, updatedAt: UPDATED_AT };
}

const holds = (c: Condition, e: RuleEvent = event()) => conditionHolds(c, e);

describe('eq, neq and in', () => {
  it('compare the ticket’s enum fields', () => {
    expect(holds({ field: 'status', op: 'eq', value: 'in_progress' })).toBe(true);
    expect(holds({ field: 'priority', op: 'eq', value: 'high' })).toBe(false);
    expect(holds({ field: 'type', op: 'neq', value: 'bug' })).toBe(true);
    expect(holds({ field: 'customer_tier', op: 'in', value: ['premium', 'enterprise'] })).toBe(true);
    expect(holds({ field: 'customer_tier', op: 'in', value: ['standard'] })).toBe(false);
  });

  it('compare text exactly, case included', () => {
    expect(holds({ field: 'created_by', op: 'eq', value: 'bob' })).toBe(true);
    expect(holds({ field: 'customer_id', op: 'eq', value: 'CUST-7' })).toBe(false);
    expect(holds({ field: 'title', op: 'eq', value: 'Printer jams on Floor 2' })).toBe(true);
    expect(holds({ field: 'assignee', op: 'in', value: ['dave', 'alice'] })).toBe(true);
  });

  it('compare escalation levels as numbers', () => {
    expect(holds({ field: 'escalation_level', op: 'eq', value: 1 })).toBe(true);
    expect(holds({ field: 'escalation_level', op: 'in', value: [0, 2] })).toBe(false);
  });

  it('ask of the tag list whether it has the tag', () => {
    expect(holds({ field: 'tags', op: 'eq', value: 'printer' })).toBe(true);
    expect(holds({ field: 'tags', op: 'neq', value: 'printer' })).toBe(false);
    expect(holds({ field: 'tags', op: 'neq', value: 'vip' })).toBe(true);
    expect(holds({ field: 'tags', op: 'in', value: ['vip', 'floor:2'] })).toBe(true);
  });

  it('never find an unset field equal to a value; neq holds for it', () => {
    const e = event({ ticket: ticket({ assignee: null, description: null, customerId: null }) });
    expect(holds({ field: 'assignee', op: 'eq', value: 'alice' }, e)).toBe(false);
    expect(holds({ field: 'assignee', op: 'in', value: ['alice'] }, e)).toBe(false);
    expect(holds({ field: 'assignee', op: 'neq', value: 'alice' }, e)).toBe(true);
    expect(holds({ field: 'description', op: 'contains', value: 'jam' }, e)).toBe(false);
    expect(holds({ field: 'customer_id', op: 'neq', value: 'cust-7' }, e)).toBe(true);
  });

  it('read sla_state from the clock, none when the tier has no SLA', () => {
    expect(holds({ field: 'sla_state', op: 'eq', value: 'none' })).toBe(true);
    expect(holds({ field: 'sla_state', op: 'in', value: ['alert', 'breached'] })).toBe(false);
  });
});

describe('contains', () => {
  it('finds a case-insensitive substring of the title, description, comment body and assignee', () => {
    expect(holds({ field: 'title', op: 'contains', value: 'floor 2' })).toBe(true);
    expect(holds({ field: 'title', op: 'contains', value: 'scanner' })).toBe(false);
    expect(holds({ field: 'description', op: 'contains', value: 'AGAIN' })).toBe(true);
    expect(holds({ field: 'assignee', op: 'contains', value: 'LIC' })).toBe(true);
    const commented = event({ action: 'commented', comment: { body: 'I want a Refund', internal: false } });
    expect(holds({ field: 'comment_body', op: 'contains', value: 'refund' }, commented)).toBe(true);
  });

  it('asks the tag list for a whole tag, not part of one', () => {
    expect(holds({ field: 'tags', op: 'contains', value: 'floor:2' })).toBe(true);
    expect(holds({ field: 'tags', op: 'contains', value: 'floor' })).toBe(false);
  });
});

describe('gte and lte', () => {
  it('order priorities low < medium < high < critical', () => {
    expect(holds({ field: 'priority', op: 'gte', value: 'medium' })).toBe(true);
    expect(holds({ field: 'priority', op: 'gte', value: 'high' })).toBe(false);
    expect(holds({ field: 'priority', op: 'lte', value: 'medium' })).toBe(true);
    expect(holds({ field: 'priority', op: 'lte', value: 'low' })).toBe(false);
    expect(holds({ field: 'priority', op: 'gte', value: 'high' }, event({ ticket: ticket({ priority: 'critical' }) }))).toBe(true);
  });

  it('compare escalation levels', () => {
    expect(holds({ field: 'escalation_level', op: 'gte', value: 1 })).toBe(true);
    expect(holds({ field: 'escalation_level', op: 'gte', value: 2 })).toBe(false);
    expect(holds({ field: 'escalation_level', op: 'lte', value: 0 })).toBe(false);
  });
});

describe('changed', () => {
  it('holds when the event lists the field among the fields it changed', () => {
    const e = event({ changedFields: ['priority', 'customer_tier'] });
    expect(holds({ field: 'priority', op: 'changed' }, e)).toBe(true);
    expect(holds({ field: 'customer_tier', op: 'changed' }, e)).toBe(true);
    expect(holds({ field: 'assignee', op: 'changed' }, e)).toBe(false);
  });

  it('holds for status on every transition', () => {
    const transitioned = event({ action: 'transitioned', changedFields: [], transition: { name: 'escalate', from: 'in_progress', to: 'escalated' } });
    expect(holds({ field: 'status', op: 'changed' }, transitioned)).toBe(true);
    expect(holds({ field: 'status', op: 'changed' })).toBe(false);
  });
});

describe('the event itself', () => {
  it('is read through actor, transition, comment_internal and comment_body', () => {
    const transitioned = event({
      action: 'transitioned',
      actor: 'system:automation:r2',
      transition: { name: 'escalate', from: 'in_progress', to: 'escalated' },
    });
    expect(holds({ field: 'actor', op: 'eq', value: 'system:automation:r2' }, transitioned)).toBe(true);
    expect(holds({ field: 'transition', op: 'in', value: ['escalate', 'resolve'] }, transitioned)).toBe(true);
    const commented = event({ action: 'commented', comment: { body: 'ping', internal: true } });
    expect(holds({ field: 'comment_internal', op: 'eq', value: true }, commented)).toBe(true);
    expect(holds({ field: 'comment_internal', op: 'eq', value: false }, commented)).toBe(false);
  });

  it('has no transition or comment on other events: eq never holds, neq does', () => {
    expect(holds({ field: 'transition', op: 'eq', value: 'escalate' })).toBe(false);
    expect(holds({ field: 'transition', op: 'neq', value: 'escalate' })).toBe(true);
    expect(holds({ field: 'comment_internal', op: 'eq', value: false })).toBe(false);
  });
});

describe('matching a rule to an event', () => {
  const escalated: When = {
    event: 'updated',
    conditions: [
      { field: 'priority', op: 'changed' },
      { field: 'priority', op: 'gte', value: 'high' },
    ],
  };

  it('needs the rule’s event and every condition to hold', () => {
    const raised = event({ ticket: ticket({ priority: 'critical' }), changedFields: ['priority'] });
    expect(ruleMatchesEvent(rule(escalated), raised)).toBe(true);
    expect(ruleMatchesEvent(rule(escalated), { ...raised, changedFields: ['title'] })).toBe(false);
    expect(ruleMatchesEvent(rule(escalated), { ...raised, action: 'created' })).toBe(false);
  });

  it('matches every event of its kind when it has no conditions', () => {
    expect(ruleMatchesEvent(rule({ event: 'sla_changed', conditions: [] }), event({ action: 'sla_changed' }))).toBe(true);
  });

  it('never matches an event with an idle rule', () => {
    expect(ruleMatchesEvent(rule({ idle: { status: 'in_progress', for: '1h' } }), event())).toBe(false);
  });
});

describe('matching an idle rule', () => {
  const idle = rule({ idle: { status: 'pending_customer', for: '72h' } });
  const waiting = ticket({ status: 'pending_customer' });
  const since = Date.parse(UPDATED_AT);

  it('matches once the ticket has sat in the status, untouched, for the duration', () => {
    expect(ruleMatchesIdle(idle, waiting, since + 72 * HOUR - 1)).toBe(false);
    expect(ruleMatchesIdle(idle, waiting, since + 72 * HOUR)).toBe(true);
    expect(ruleMatchesIdle(idle, waiting, since + 100 * HOUR)).toBe(true);
  });

  it('does not match a ticket in another status, nor an event rule', () => {
    expect(ruleMatchesIdle(idle, ticket({ status: 'in_progress' }), since + 100 * HOUR)).toBe(false);
    expect(ruleMatchesIdle(rule({ event: 'updated', conditions: [] }), waiting, since + 100 * HOUR)).toBe(false);
  });
});

describe('planning the actions', () => {
  const on = (actions: Action[], t: Ticket = ticket()) => planActions(rule({ event: 'updated', conditions: [] }, actions), t);

  it('merges every field action into one change, first, with the other actions after it in the rule’s order', () => {
    const plan = on([
      { notify: { webhook_id: 'hook-1' } },
      { set: { priority: 'high' } },
      { transition: 'escalate', comment: 'too slow' },
      { add_tags: ['vip'] },
      { comment: { body: 'Escalated', internal: true } },
      { assign: 'dave' },
      { set: { customer_tier: 'enterprise', type: 'bug' } },
    ]);
    expect(plan).toEqual([
      { kind: 'fields', changes: { priority: 'high', type: 'bug', customerTier: 'enterprise', tags: ['printer', 'floor:2', 'vip'], assignee: 'dave' } },
      { kind: 'notify', webhookId: 'hook-1' },
      { kind: 'transition', name: 'escalate', comment: 'too slow' },
      { kind: 'comment', body: 'Escalated', internal: true },
    ]);
  });

  it('holds only what differs from the ticket', () => {
    expect(on([{ set: { priority: 'medium', type: 'bug' } }, { assign: 'alice' }])).toEqual([{ kind: 'fields', changes: { type: 'bug' } }]);
  });

  it('plans no field change when nothing would change', () => {
    expect(on([{ set: { priority: 'medium' } }, { add_tags: ['printer'] }, { remove_tags: ['vip'] }, { assign: 'alice' }])).toEqual([]);
    expect(on([{ set: { priority: 'medium' } }, { notify: { webhook_id: 'hook-1' } }])).toEqual([{ kind: 'notify', webhookId: 'hook-1' }]);
  });

  it('keeps the ticket’s tag order, appends new tags once, and removes tags', () => {
    expect(on([{ add_tags: ['vip', 'printer', 'vip'] }, { add_tags: ['a', 'vip'] }])).toEqual([
      { kind: 'fields', changes: { tags: ['printer', 'floor:2', 'vip', 'a'] } },
    ]);
    expect(on([{ remove_tags: ['printer', 'absent'] }])).toEqual([{ kind: 'fields', changes: { tags: ['floor:2'] } }]);
  });

  it('applies field actions in turn: a later set wins, a tag added then removed is gone', () => {
    expect(on([{ set: { priority: 'low' } }, { set: { priority: 'critical' } }])).toEqual([{ kind: 'fields', changes: { priority: 'critical' } }]);
    expect(on([{ add_tags: ['vip'] }, { remove_tags: ['vip'] }])).toEqual([]);
  });

  it('assigns an unassigned ticket', () => {
    expect(on([{ assign: 'dave' }], ticket({ assignee: null }))).toEqual([{ kind: 'fields', changes: { assignee: 'dave' } }]);
  });

  it('gives a transition without a comment an empty one', () => {
    expect(on([{ transition: 'resolve' }])).toEqual([{ kind: 'transition', name: 'resolve', comment: '' }]);
  });
});
