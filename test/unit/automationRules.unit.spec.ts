// SPEC §13: what an automation rule may say. A bad rule is refused naming the field that is wrong;
// a good one comes back with its defaults filled in.
import { describe, expect, it } from 'vitest';
import { AutomationRuleInputSchema, CONDITION_FIELDS, MAX_DURATION_MS, parseDuration } from '../../src/automations/ruleSchema.js';

const rule = (overrides: Record<string, unknown> = {}) => ({ name: 'Tag VIPs', when: { event: 'created' }, actions: [{ add_tags: ['vip'] }], ...overrides });
const withConditions = (...conditions: unknown[]) => rule({ when: { event: 'updated', conditions } });
const withActions = (...actions: unknown[]) => rule({ actions });
const idleFor = (duration: string) => rule({ when: { idle: { status: 'pending_customer', for: duration } } });

/** The paths a failed parse names (an unknown key at the object holding it); [] when it succeeded. */
function wrongPaths(input: unknown): string[] {
  const result = AutomationRuleInputSchema.safeParse(input);
  if (result.success) return [];
  return [...new Set(result.error.issues.map((i) => i.path.join('.')))];
}

function unknownKeys(input: unknown): string[] {
  const result = AutomationRuleInputSchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys.map((k) => [...i.path, k].join('.')) : []));
}

function parsed(input: unknown) {
  const result = AutomationRuleInputSchema.safeParse(input);
  if (!result.success) throw new Error(`expected a valid rule, got ${result.error.message}`);
  return result.data;
}

describe('a rule', () => {
  it('needs a name, a when and at least one action; enabled defaults to true and position to 0', () => {
    expect(parsed(rule())).toEqual({
      name: 'Tag VIPs',
      enabled: true,
      position: 0,
      when: { event: 'created', conditions: [] },
      actions: [{ add_tags: ['vip'] }],
    });
    expect(wrongPaths({})).toEqual(['name', 'when', 'actions']);
    expect(wrongPaths(rule({ actions: [] }))).toEqual(['actions']);
  });

  it('takes a one-line name of 1-200 characters, trimmed', () => {
    expect(parsed(rule({ name: '  Tag VIPs  ' })).name).toBe('Tag VIPs');
    expect(parsed(rule({ name: 'n'.repeat(200) })).name).toHaveLength(200);
    expect(wrongPaths(rule({ name: 'n'.repeat(201) }))).toEqual(['name']);
    expect(wrongPaths(rule({ name: '   ' }))).toEqual(['name']);
    expect(wrongPaths(rule({ name: 'two\nlines' }))).toEqual(['name']);
  });

  it('takes a position that is a whole number from 0, and a boolean enabled', () => {
    expect(parsed(rule({ position: 7, enabled: false }))).toMatchObject({ position: 7, enabled: false });
    expect(wrongPaths(rule({ position: -1 }))).toEqual(['position']);
    expect(wrongPaths(rule({ position: 1.5 }))).toEqual(['position']);
    expect(wrongPaths(rule({ enabled: 'yes' }))).toEqual(['enabled']);
  });

  it('refuses unknown keys wherever they are, naming them', () => {
    expect(unknownKeys(rule({ priority: 1 }))).toEqual(['priority']);
    expect(unknownKeys(rule({ when: { event: 'created', extra: true } }))).toEqual(['when.extra']);
    expect(unknownKeys(withConditions({ field: 'priority', op: 'eq', value: 'high', note: 'x' }))).toEqual(['when.conditions.0.note']);
    expect(unknownKeys(rule({ when: { idle: { status: 'new', for: '1h', since: 'x' } } }))).toEqual(['when.idle.since']);
    expect(unknownKeys(withActions({ set: { priority: 'high', status: 'closed' } }))).toEqual(['actions.0.set.status']);
    expect(unknownKeys(withActions({ comment: { body: 'hi', internal: true, pinned: true } }))).toEqual(['actions.0.comment.pinned']);
  });
});

describe('when: an event with conditions', () => {
  it('runs on created, updated, transitioned, commented and sla_changed events only', () => {
    for (const event of ['created', 'updated', 'transitioned', 'commented', 'sla_changed']) expect(wrongPaths(rule({ when: { event } }))).toEqual([]);
    expect(wrongPaths(rule({ when: { event: 'deleted' } }))).toEqual(['when.event']);
  });

  it('needs an event or idle, not both; idle rules have no conditions', () => {
    expect(wrongPaths(rule({ when: {} }))).toEqual(['when.event']);
    expect(wrongPaths(rule({ when: { event: 'created', idle: { status: 'new', for: '1h' } } }))).toEqual(['when.event']);
    expect(wrongPaths(rule({ when: { idle: { status: 'new', for: '1h' }, conditions: [] } }))).toEqual(['when.conditions']);
  });

  it('takes at most 20 conditions', () => {
    const c = { field: 'priority', op: 'eq', value: 'high' };
    expect(parsed(withConditions(...Array(20).fill(c))).when).toMatchObject({ conditions: Array(20).fill(c) });
    expect(wrongPaths(withConditions(...Array(21).fill(c)))).toEqual(['when.conditions']);
  });

  it('names an unknown field at .field and an unknown operator at .op', () => {
    expect(wrongPaths(withConditions({ field: 'severity', op: 'eq', value: 'x' }))).toEqual(['when.conditions.0.field']);
    expect(wrongPaths(withConditions({ field: 'priority', op: 'eq', value: 'high' }, { field: 'priority', op: 'is', value: 'high' }))).toEqual([
      'when.conditions.1.op',
    ]);
  });

  it('accepts each documented field', () => {
    const examples: Record<string, unknown> = {
      status: 'new',
      priority: 'high',
      type: 'bug',
      customer_tier: 'enterprise',
      assignee: 'alice',
      tags: 'vip',
      title: 'printer',
      description: 'paper',
      customer_id: 'cust-7',
      created_by: 'bob',
      escalation_level: 2,
      sla_state: 'none',
      actor: 'system:automation:r1',
      transition: 'escalate',
      comment_internal: true,
      comment_body: 'refund',
    };
    expect(Object.keys(examples)).toEqual([...CONDITION_FIELDS]);
    for (const [field, value] of Object.entries(examples)) expect(wrongPaths(withConditions({ field, op: 'eq', value }))).toEqual([]);
  });

  it('names a value outside its field’s vocabulary at .value', () => {
    const bad: Array<[string, unknown]> = [
      ['status', 'open'],
      ['priority', 'urgent'],
      ['type', 'incident'],
      ['customer_tier', 'gold'],
      ['sla_state', 'late'],
      ['transition', 'fly'],
      ['escalation_level', -1],
      ['escalation_level', 1.5],
      ['escalation_level', '2'],
      ['comment_internal', 'yes'],
      ['title', 42],
      ['tags', 'Not A Tag'],
      ['assignee', ''],
    ];
    for (const [field, value] of bad)
      expect(wrongPaths(withConditions({ field, op: 'eq', value })), `${field} = ${JSON.stringify(value)}`).toEqual(['when.conditions.0.value']);
  });

  it('needs a value for every operator but changed, which takes none', () => {
    expect(wrongPaths(withConditions({ field: 'priority', op: 'eq' }))).toEqual(['when.conditions.0.value']);
    expect(wrongPaths(withConditions({ field: 'priority', op: 'changed' }))).toEqual([]);
    expect(wrongPaths(withConditions({ field: 'priority', op: 'changed', value: 'high' }))).toEqual(['when.conditions.0.value']);
  });

  it('takes a non-empty list for in, checking each value; a list for any other operator is refused', () => {
    expect(parsed(withConditions({ field: 'priority', op: 'in', value: ['high', 'critical'] })).when).toMatchObject({
      conditions: [{ field: 'priority', op: 'in', value: ['high', 'critical'] }],
    });
    expect(wrongPaths(withConditions({ field: 'priority', op: 'in', value: 'high' }))).toEqual(['when.conditions.0.value']);
    expect(wrongPaths(withConditions({ field: 'priority', op: 'in', value: [] }))).toEqual(['when.conditions.0.value']);
    expect(wrongPaths(withConditions({ field: 'priority', op: 'in', value: ['high', 'urgent'] }))).toEqual(['when.conditions.0.value.1']);
    expect(wrongPaths(withConditions({ field: 'priority', op: 'eq', value: ['high'] }))).toEqual(['when.conditions.0.value']);
  });

  it('compares with gte and lte only priority and escalation_level', () => {
    expect(wrongPaths(withConditions({ field: 'priority', op: 'gte', value: 'high' }))).toEqual([]);
    expect(wrongPaths(withConditions({ field: 'escalation_level', op: 'lte', value: 1 }))).toEqual([]);
    expect(wrongPaths(withConditions({ field: 'title', op: 'gte', value: 'm' }))).toEqual(['when.conditions.0.op']);
    expect(wrongPaths(withConditions({ field: 'status', op: 'lte', value: 'new' }))).toEqual(['when.conditions.0.op']);
  });

  it('looks into tags, title, description, comment_body and assignee with contains, nothing else', () => {
    for (const field of ['tags', 'title', 'description', 'comment_body', 'assignee']) {
      expect(wrongPaths(withConditions({ field, op: 'contains', value: 'vip' })), field).toEqual([]);
    }
    expect(wrongPaths(withConditions({ field: 'customer_id', op: 'contains', value: 'cust' }))).toEqual(['when.conditions.0.op']);
    expect(wrongPaths(withConditions({ field: 'priority', op: 'contains', value: 'high' }))).toEqual(['when.conditions.0.op']);
  });

  it('asks changed of ticket fields only, not of the event’s actor, transition or comment', () => {
    expect(wrongPaths(withConditions({ field: 'assignee', op: 'changed' }))).toEqual([]);
    for (const field of ['actor', 'transition', 'comment_body', 'comment_internal', 'created_by', 'sla_state']) {
      expect(wrongPaths(withConditions({ field, op: 'changed' })), field).toEqual(['when.conditions.0.op']);
    }
  });

  it('keeps the values as given, trimming only identifiers', () => {
    expect(parsed(withConditions({ field: 'assignee', op: 'eq', value: '  alice ' })).when).toMatchObject({
      conditions: [{ field: 'assignee', op: 'eq', value: 'alice' }],
    });
  });
});

describe('when: idle in a status for a while', () => {
  it('takes a status of the workflow and a duration in s, m, h or d', () => {
    expect(parsed(idleFor('72h')).when).toEqual({ idle: { status: 'pending_customer', for: '72h' } });
    for (const d of ['30s', '15m', '72h', '7d', '365d']) expect(wrongPaths(idleFor(d)), d).toEqual([]);
    expect(wrongPaths(rule({ when: { idle: { status: 'waiting', for: '1h' } } }))).toEqual(['when.idle.status']);
  });

  it('refuses a duration that is malformed, zero or longer than a year', () => {
    for (const d of ['72x', '0h', '0d', '366d', '8761h', '1.5h', '-1h', 'h', '72', '72 h', '']) expect(wrongPaths(idleFor(d)), d).toEqual(['when.idle.for']);
  });

  it('reads durations as milliseconds', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('72h')).toBe(72 * 3_600_000);
    expect(parseDuration('365d')).toBe(MAX_DURATION_MS);
    expect(() => parseDuration('72x')).toThrow(/not a duration/);
  });
});

describe('actions', () => {
  it('accepts each kind of action', () => {
    const actions = [
      { set: { priority: 'high', type: 'bug', customer_tier: 'enterprise' } },
      { add_tags: ['vip', 'floor:2'] },
      { remove_tags: ['triage'] },
      { assign: 'alice' },
      { transition: 'escalate', comment: 'breached twice' },
      { comment: { body: 'We are on it', internal: false } },
      { notify: { webhook_id: 'hook-1' } },
    ];
    expect(parsed(withActions(...actions)).actions).toEqual(actions);
    expect(parsed(withActions({ transition: 'close' })).actions).toEqual([{ transition: 'close' }]);
  });

  it('takes 1 to 20 actions', () => {
    expect(wrongPaths(withActions(...Array(20).fill({ assign: 'alice' })))).toEqual([]);
    expect(wrongPaths(withActions(...Array(21).fill({ assign: 'alice' })))).toEqual(['actions']);
  });

  it('names an entry with an unknown action, no action or two actions at actions.<i>', () => {
    expect(wrongPaths(withActions({ assign: 'alice' }, { escalate: true }))).toEqual(['actions.1']);
    expect(unknownKeys(withActions({ escalate: true }))).toEqual(['actions.0.escalate']);
    expect(wrongPaths(withActions({}))).toEqual(['actions.0']);
    expect(wrongPaths(withActions({ assign: 'alice', notify: { webhook_id: 'h' } }))).toEqual(['actions.0']);
    expect(wrongPaths(withActions({ transition: 'close', assign: 'alice' }))).toEqual(['actions.0']);
  });

  it('names an unknown transition at actions.<i>.transition, and allows one transition per rule', () => {
    expect(wrongPaths(withActions({ transition: 'fly' }))).toEqual(['actions.0.transition']);
    expect(wrongPaths(withActions({ transition: 'resolve' }, { assign: 'bob' }, { transition: 'close' }))).toEqual(['actions.2.transition']);
  });

  it('sets at least one of priority, type and customer_tier, each from its vocabulary', () => {
    expect(wrongPaths(withActions({ set: {} }))).toEqual(['actions.0.set']);
    expect(wrongPaths(withActions({ set: { priority: 'urgent' } }))).toEqual(['actions.0.set.priority']);
    expect(wrongPaths(withActions({ set: { customer_tier: 'gold' } }))).toEqual(['actions.0.set.customer_tier']);
  });

  it('adds and removes 1-20 tags of the ticket tag format', () => {
    expect(wrongPaths(withActions({ add_tags: [] }))).toEqual(['actions.0.add_tags']);
    expect(wrongPaths(withActions({ add_tags: ['ok', 'Not OK'] }))).toEqual(['actions.0.add_tags.1']);
    expect(wrongPaths(withActions({ remove_tags: 'vip' }))).toEqual(['actions.0.remove_tags']);
  });

  it('assigns to a user id and notifies a webhook by id', () => {
    expect(wrongPaths(withActions({ assign: '' }))).toEqual(['actions.0.assign']);
    expect(wrongPaths(withActions({ assign: 'a\u0000b' }))).toEqual(['actions.0.assign']);
    expect(wrongPaths(withActions({ notify: {} }))).toEqual(['actions.0.notify.webhook_id']);
  });

  it('comments with {body, internal}, or beside a transition with its text', () => {
    expect(parsed(withActions({ comment: { body: '  line one\nline two ', internal: true } })).actions).toEqual([
      { comment: { body: 'line one\nline two', internal: true } },
    ]);
    expect(wrongPaths(withActions({ comment: { body: 'hi' } }))).toEqual(['actions.0.comment']);
    expect(wrongPaths(withActions({ comment: { body: '   ', internal: false } }))).toEqual(['actions.0.comment.body']);
    expect(wrongPaths(withActions({ comment: 'hi' }))).toEqual(['actions.0.comment']);
    expect(wrongPaths(withActions({ transition: 'close', comment: { body: 'hi', internal: false } }))).toEqual(['actions.0.comment']);
  });
});
