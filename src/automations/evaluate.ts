// Deciding what an automation rule does (SPEC §13), without doing it: whether a rule matches a
// ticket event or an idle ticket, and the actions it would take. Pure: the runner, the test
// endpoint and the idle scan share it, and each applies the plan its own way.
import type { CustomerTier, Priority, TicketType } from '../domain/fields.js';
import { slaState } from '../domain/sla.js';
import type { Ticket } from '../domain/ticket.js';
import type { FieldChanges } from '../domain/ticketCommands.js';
import type { TransitionName } from '../domain/workflow.js';
import { type Action, type AutomationRule, type Condition, type ConditionField, parseDuration } from './ruleSchema.js';

/** What the rule sees: the event's action, the ticket after it, the fields it changed, the actor, and the event detail. */
export type RuleEvent = {
  action: string;
  ticket: Ticket;
  changedFields: readonly string[];
  actor: string;
  transition?: { name: string; from: string; to: string } | undefined;
  comment?: { body: string; internal: boolean } | undefined;
};

type Scalar = string | number | boolean;
/** A field as a condition reads it: null where the ticket or the event has none (no assignee, no comment). */
type FieldValue = Scalar | readonly string[] | null;

const PRIORITY_RANK: Record<Priority, number> = { low: 0, medium: 1, high: 2, critical: 3 };

function read(field: ConditionField, e: RuleEvent): FieldValue {
  const t = e.ticket;
  switch (field) {
    case 'status':
      return t.status;
    case 'priority':
      return t.priority;
    case 'type':
      return t.type;
    case 'customer_tier':
      return t.customerTier;
    case 'assignee':
      return t.assignee;
    case 'tags':
      return t.tags;
    case 'title':
      return t.title;
    case 'description':
      return t.description;
    case 'customer_id':
      return t.customerId;
    case 'created_by':
      return t.createdBy;
    case 'escalation_level':
      return t.escalationLevel;
    case 'sla_state':
      return t.sla ? slaState(t.sla) : 'none';
    case 'actor':
      return e.actor;
    case 'transition':
      return e.transition?.name ?? null;
    case 'comment_internal':
      return e.comment?.internal ?? null;
    case 'comment_body':
      return e.comment?.body ?? null;
  }
}

/** `eq` on the tag list asks whether the ticket has that tag; null equals nothing. */
function equals(actual: FieldValue, expected: Scalar): boolean {
  if (actual === null) return false;
  if (Array.isArray(actual)) return actual.includes(expected as string);
  return actual === expected;
}

/** A tag of the list, or a case-insensitive substring of text. */
function contains(actual: FieldValue, expected: Scalar): boolean {
  if (Array.isArray(actual)) return actual.includes(expected as string);
  if (typeof actual !== 'string' || typeof expected !== 'string') return false;
  return actual.toLowerCase().includes(expected.toLowerCase());
}

/** Where the field sits in its order: priority low < medium < high < critical, escalation levels as numbers. */
function rank(field: ConditionField, value: FieldValue | Scalar): number | undefined {
  if (field === 'priority' && typeof value === 'string' && Object.hasOwn(PRIORITY_RANK, value)) return PRIORITY_RANK[value as Priority];
  return typeof value === 'number' ? value : undefined;
}

function compares(c: Condition, actual: FieldValue, holds: (a: number, b: number) => boolean): boolean {
  const a = rank(c.field, actual);
  const b = rank(c.field, c.value as Scalar);
  return a !== undefined && b !== undefined && holds(a, b);
}

/** A transition always moves the status, whether or not the event lists it among its changed fields. */
function changed(field: ConditionField, e: RuleEvent): boolean {
  return e.changedFields.includes(field) || (field === 'status' && e.action === 'transitioned');
}

export function conditionHolds(c: Condition, e: RuleEvent): boolean {
  const actual = read(c.field, e);
  switch (c.op) {
    case 'eq':
      return equals(actual, c.value as Scalar);
    case 'neq':
      return !equals(actual, c.value as Scalar);
    case 'in':
      return (c.value as Scalar[]).some((v) => equals(actual, v));
    case 'contains':
      return contains(actual, c.value as Scalar);
    case 'gte':
      return compares(c, actual, (a, b) => a >= b);
    case 'lte':
      return compares(c, actual, (a, b) => a <= b);
    case 'changed':
      return changed(c.field, e);
  }
}

/** An event rule on this kind of event whose every condition holds; idle rules never match events. Enabled or not is the caller's filter. */
export function ruleMatchesEvent(rule: AutomationRule, e: RuleEvent): boolean {
  const when = rule.when;
  if (!('event' in when) || when.event !== e.action) return false;
  return when.conditions.every((c) => conditionHolds(c, e));
}

/** An idle rule whose status the ticket is in, untouched for at least the rule's duration. */
export function ruleMatchesIdle(rule: AutomationRule, ticket: Ticket, nowMs: number): boolean {
  const when = rule.when;
  if (!('idle' in when) || ticket.status !== when.idle.status) return false;
  const idleMs = nowMs - Date.parse(ticket.updatedAt);
  return idleMs >= parseDuration(when.idle.for);
}

/** What the rule would do to this ticket now: the field changes as one patch (only what actually changes), then the other actions in order. Pure planning; nothing is applied. */
export type PlannedAction =
  | { kind: 'fields'; changes: FieldChanges }
  | { kind: 'transition'; name: TransitionName; comment: string }
  | { kind: 'comment'; body: string; internal: boolean }
  | { kind: 'notify'; webhookId: string };

/** The ticket's fields as the rule's field actions leave them, each applied in turn (a later set wins). */
type Draft = { priority: Priority; type: TicketType; customerTier: CustomerTier; tags: string[]; assignee: string | null };

function applyField(draft: Draft, action: Action): void {
  if ('set' in action) {
    draft.priority = action.set.priority ?? draft.priority;
    draft.type = action.set.type ?? draft.type;
    draft.customerTier = action.set.customer_tier ?? draft.customerTier;
  } else if ('add_tags' in action) {
    draft.tags = [...new Set([...draft.tags, ...action.add_tags])];
  } else if ('remove_tags' in action) {
    const removed = new Set(action.remove_tags);
    draft.tags = draft.tags.filter((t) => !removed.has(t));
  } else if ('assign' in action) {
    draft.assignee = action.assign;
  }
}

/** The non-field action an entry plans, or undefined for a field action. */
function planned(action: Action): PlannedAction | undefined {
  if ('transition' in action) return { kind: 'transition', name: action.transition, comment: action.comment ?? '' };
  if ('comment' in action) return { kind: 'comment', body: action.comment.body, internal: action.comment.internal };
  if ('notify' in action) return { kind: 'notify', webhookId: action.notify.webhook_id };
  return undefined;
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Only what differs from the ticket: a rule that sets what is already there changes nothing. */
function differences(ticket: Ticket, draft: Draft): FieldChanges {
  const changes: FieldChanges = {};
  if (draft.priority !== ticket.priority) changes.priority = draft.priority;
  if (draft.type !== ticket.type) changes.type = draft.type;
  if (draft.customerTier !== ticket.customerTier) changes.customerTier = draft.customerTier;
  if (!sameList(draft.tags, ticket.tags)) changes.tags = draft.tags;
  if (draft.assignee !== null && draft.assignee !== ticket.assignee) changes.assignee = draft.assignee;
  return changes;
}

export function planActions(rule: AutomationRule, ticket: Ticket): PlannedAction[] {
  const draft: Draft = {
    priority: ticket.priority,
    type: ticket.type,
    customerTier: ticket.customerTier,
    tags: [...new Set(ticket.tags)],
    assignee: ticket.assignee,
  };
  const others: PlannedAction[] = [];
  for (const action of rule.actions) {
    const plan = planned(action);
    if (plan) others.push(plan);
    else applyField(draft, action);
  }
  const changes = differences(ticket, draft);
  // One patch, one `updated` event (SPEC §13), ahead of any transition that may depend on it.
  return Object.keys(changes).length > 0 ? [{ kind: 'fields', changes }, ...others] : others;
}
