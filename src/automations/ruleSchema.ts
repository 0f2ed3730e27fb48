// The shape of a tenant's automation rule (SPEC §13): what POST and PUT /automations accept and
// what GET answers. Every check a rule needs lives here, so the evaluator can trust what it reads:
// each condition's value fits its field and operator, each action names one thing to do.
import { z } from '@hono/zod-openapi';
import { CUSTOMER_TIERS, PRIORITIES, TICKET_TYPES } from '../domain/fields.js';
import { SLA_STATES } from '../domain/sla.js';
import { PLACES, TRANSITION_NAMES, type TransitionName } from '../domain/workflow.js';
import { Tag } from '../http/schemas.js';
import { freeText, identifier, line } from '../http/text.js';

/** The ticket events a rule can run on. */
export const RULE_EVENTS = ['created', 'updated', 'transitioned', 'commented', 'sla_changed'] as const;
export type RuleEventName = (typeof RULE_EVENTS)[number];

export const CONDITION_FIELDS = [
  'status',
  'priority',
  'type',
  'customer_tier',
  'assignee',
  'tags',
  'title',
  'description',
  'customer_id',
  'created_by',
  'escalation_level',
  'sla_state',
  'actor',
  'transition',
  'comment_internal',
  'comment_body',
] as const;
export type ConditionField = (typeof CONDITION_FIELDS)[number];

export const CONDITION_OPS = ['eq', 'neq', 'in', 'contains', 'gte', 'lte', 'changed'] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

/** The state a condition on `sla_state` compares with: `none` for a ticket whose tier has no SLA. */
export const RULE_SLA_STATES = [...SLA_STATES, 'none'] as const;

export const MAX_CONDITIONS = 20;
export const MAX_ACTIONS = 20;
const MAX_IN_VALUES = 50;

// ---------------------------------------------------------------------------------------------
// Durations

const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const MAX_DURATION_MS = 365 * UNIT_MS.d;

/** Milliseconds in a duration such as `72h`, or undefined when it is not one. */
function durationMs(s: string): number | undefined {
  const m = DURATION.exec(s);
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/** Milliseconds in a duration (`30s`, `15m`, `72h`, `7d`); throws on anything else. */
export function parseDuration(s: string): number {
  const ms = durationMs(s);
  if (ms === undefined) throw new Error(`not a duration: ${JSON.stringify(s)} (a whole number and s, m, h or d, like "72h")`);
  return ms;
}

function durationProblem(s: string): string | undefined {
  const ms = durationMs(s);
  if (ms === undefined) return 'a duration: a whole number and s, m, h or d, like "72h"';
  if (ms <= 0) return 'a duration of more than 0';
  if (ms > MAX_DURATION_MS) return 'at most 365d';
  return undefined;
}

const Duration = z
  .string()
  .superRefine((s, ctx) => {
    const problem = durationProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .openapi({ pattern: DURATION.source, example: '72h' });

// ---------------------------------------------------------------------------------------------
// Values shared with tickets

// A tag a rule adds must be one a PATCH would accept, or automations would write tickets no client could send back.
const TagList = z.array(Tag).min(1, 'at least one tag').max(20, 'at most 20 tags');
const UserId = identifier(128);

// ---------------------------------------------------------------------------------------------
// Conditions

type Scalar = string | number | boolean;

/** What may be said of each field: its value's schema, and which operators beyond eq/neq/in apply. */
type FieldRule = {
  value: z.ZodType<Scalar>;
  /** gte and lte compare it. */
  ordered?: true;
  /** contains looks into it (a substring of text, a tag of the tag list). */
  contains?: true;
  /** A ticket field whose wire name an event lists in changed_fields, so `changed` can see it. */
  changes?: true;
};

const FIELD_RULES: Record<ConditionField, FieldRule> = {
  status: { value: z.enum(PLACES), changes: true },
  priority: { value: z.enum(PRIORITIES), ordered: true, changes: true },
  type: { value: z.enum(TICKET_TYPES), changes: true },
  customer_tier: { value: z.enum(CUSTOMER_TIERS), changes: true },
  assignee: { value: UserId, contains: true, changes: true },
  tags: { value: Tag, contains: true, changes: true },
  title: { value: line(200, { min: 1 }), contains: true, changes: true },
  description: { value: freeText(2000, { min: 1 }), contains: true, changes: true },
  customer_id: { value: identifier(128), changes: true },
  created_by: { value: UserId },
  escalation_level: { value: z.number().int('a whole number').min(0, 'at least 0'), ordered: true, changes: true },
  // The clock changes on every reply and pause, not only when its state moves: rules on the state
  // run on `sla_changed` events and compare it, rather than asking whether it changed.
  sla_state: { value: z.enum(RULE_SLA_STATES) },
  actor: { value: UserId },
  transition: { value: z.enum(TRANSITION_NAMES as [TransitionName, ...TransitionName[]]) },
  comment_internal: { value: z.boolean() },
  comment_body: { value: freeText(10000, { min: 1 }), contains: true },
};

const ORDERED_FIELDS = CONDITION_FIELDS.filter((f) => FIELD_RULES[f].ordered);
const CONTAINS_FIELDS = CONDITION_FIELDS.filter((f) => FIELD_RULES[f].contains);
const CHANGING_FIELDS = CONDITION_FIELDS.filter((f) => FIELD_RULES[f].changes);

const ScalarSchema = z.union([z.string(), z.number(), z.boolean()]);

const ConditionShape = z.strictObject({
  field: z.enum(CONDITION_FIELDS),
  op: z.enum(CONDITION_OPS),
  value: z
    .union([ScalarSchema, z.array(ScalarSchema)])
    .optional()
    .openapi({ description: 'what the field is compared with: one value of the field, a list for `in`, none for `changed`' }),
});

/** A checked condition: `value` fits the field (a list of them for `in`, absent for `changed`). */
export type Condition = { field: ConditionField; op: ConditionOp; value?: Scalar | Scalar[] };

type Ctx = z.RefinementCtx;

/** Why `op` cannot be used on `field`, if it cannot. */
function opProblem(field: ConditionField, op: ConditionOp): string | undefined {
  const rule = FIELD_RULES[field];
  if ((op === 'gte' || op === 'lte') && !rule.ordered) return `${op} compares ${ORDERED_FIELDS.join(' or ')} only`;
  if (op === 'contains' && !rule.contains) return `contains looks into ${CONTAINS_FIELDS.join(', ')} only`;
  if (op === 'changed' && !rule.changes) return `changed applies to the ticket fields ${CHANGING_FIELDS.join(', ')} only`;
  return undefined;
}

/** Parses one value with the field's schema, reporting its issues under `path`; the parsed value or undefined. */
function fieldValue(field: ConditionField, value: unknown, path: Array<string | number>, ctx: Ctx): Scalar | undefined {
  const result = FIELD_RULES[field].value.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    // Kept as custom issues carrying their params, so ill-formed text is still answered invalid_text.
    ctx.addIssue({ code: 'custom', message: issue.message, path: [...path, ...issue.path], params: issue.code === 'custom' ? issue.params : undefined });
  }
  return undefined;
}

/** The checked value of a condition: none for `changed`, a non-empty list for `in`, one value otherwise. */
function conditionValue(c: z.infer<typeof ConditionShape>, ctx: Ctx): { ok: boolean; value?: Scalar | Scalar[] } {
  if (c.op === 'changed') {
    if (c.value === undefined) return { ok: true };
    ctx.addIssue({ code: 'custom', message: 'changed takes no value', path: ['value'] });
    return { ok: false };
  }
  if (c.value === undefined) {
    ctx.addIssue({ code: 'custom', message: 'required', path: ['value'] });
    return { ok: false };
  }
  if (c.op === 'in') return listValue(c.field, c.value, ctx);
  if (Array.isArray(c.value)) {
    ctx.addIssue({ code: 'custom', message: `${c.op} takes one value; in takes a list`, path: ['value'] });
    return { ok: false };
  }
  const value = fieldValue(c.field, c.value, ['value'], ctx);
  return value === undefined ? { ok: false } : { ok: true, value };
}

function listValue(field: ConditionField, value: Scalar | Scalar[], ctx: Ctx): { ok: boolean; value?: Scalar[] } {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_IN_VALUES) {
    ctx.addIssue({ code: 'custom', message: `in takes a list of 1 to ${MAX_IN_VALUES} values`, path: ['value'] });
    return { ok: false };
  }
  const parsed = value.map((v, i) => fieldValue(field, v, ['value', i], ctx));
  if (parsed.some((v) => v === undefined)) return { ok: false };
  return { ok: true, value: parsed as Scalar[] };
}

const ConditionInput = ConditionShape.transform((c, ctx): Condition => {
  const problem = opProblem(c.field, c.op);
  if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['op'] });
  const { ok, value } = conditionValue(c, ctx);
  if (problem || !ok) return z.NEVER;
  return value === undefined ? { field: c.field, op: c.op } : { field: c.field, op: c.op, value };
});

// ---------------------------------------------------------------------------------------------
// When

const IdleSpec = z.strictObject({
  status: z.enum(PLACES),
  for: Duration.openapi({ description: 'how long the ticket has sat in the status untouched: a whole number and s, m, h or d' }),
});

export type EventWhen = { event: RuleEventName; conditions: Condition[] };
export type IdleWhen = { idle: { status: (typeof PLACES)[number]; for: string } };
export type When = EventWhen | IdleWhen;

// One object holding both kinds' keys rather than a union: a union that fails answers "no option
// matched" at `when`, where this names the wrong field (`when.conditions.2.op`).
const WhenInput = z
  .strictObject({
    event: z.enum(RULE_EVENTS).optional(),
    conditions: z.array(ConditionInput).max(MAX_CONDITIONS, `at most ${MAX_CONDITIONS} conditions`).optional(),
    idle: IdleSpec.optional(),
  })
  .openapi({ description: 'either `event` with its `conditions` (default none), or `idle`' })
  .transform((w, ctx): When => {
    if (w.idle !== undefined) {
      if (w.event !== undefined) ctx.addIssue({ code: 'custom', message: 'either event or idle, not both', path: ['event'] });
      if (w.conditions !== undefined) ctx.addIssue({ code: 'custom', message: 'idle rules take no conditions', path: ['conditions'] });
      return w.event !== undefined || w.conditions !== undefined ? z.NEVER : { idle: w.idle };
    }
    if (w.event === undefined) {
      ctx.addIssue({ code: 'custom', message: 'required: an event, or idle', path: ['event'] });
      return z.NEVER;
    }
    return { event: w.event, conditions: w.conditions ?? [] };
  });

// ---------------------------------------------------------------------------------------------
// Actions

const SetSpec = z
  .strictObject({ priority: z.enum(PRIORITIES).optional(), type: z.enum(TICKET_TYPES).optional(), customer_tier: z.enum(CUSTOMER_TIERS).optional() })
  .refine((s) => s.priority !== undefined || s.type !== undefined || s.customer_tier !== undefined, 'set at least one of priority, type, customer_tier');

const CommentSpec = z.strictObject({
  body: freeText(10000, { trim: true, min: 1, tooShort: 'required, 1-10000 characters' }),
  internal: z.boolean().openapi({ description: 'staff only; never shown to customers' }),
});
const TransitionComment = freeText(10000).openapi({ description: "beside `transition`: the transition's comment" });

export type SetAction = {
  set: { priority?: (typeof PRIORITIES)[number]; type?: (typeof TICKET_TYPES)[number]; customer_tier?: (typeof CUSTOMER_TIERS)[number] };
};
export type Action =
  | SetAction
  | { add_tags: string[] }
  | { remove_tags: string[] }
  | { assign: string }
  | { transition: TransitionName; comment?: string }
  | { comment: { body: string; internal: boolean } }
  | { notify: { webhook_id: string } };

const ACTION_KEYS = ['set', 'add_tags', 'remove_tags', 'assign', 'transition', 'comment', 'notify'] as const;

// One object with every action's key, for the same reason as `when`: a bad transition name is
// named at `actions.<i>.transition`, an unknown key at `actions.<i>`.
const ActionShape = z
  .strictObject({
    set: SetSpec.optional(),
    add_tags: TagList.optional(),
    remove_tags: TagList.optional(),
    assign: UserId.optional(),
    transition: z.enum(TRANSITION_NAMES as [TransitionName, ...TransitionName[]]).optional(),
    comment: z
      .union([TransitionComment, CommentSpec], { error: 'a comment action is {body, internal}; beside a transition, the comment is its text' })
      .optional(),
    notify: z.strictObject({ webhook_id: identifier(128) }).optional(),
  })
  .openapi({ description: 'exactly one action: set, add_tags, remove_tags, assign, transition (with an optional comment beside it), comment or notify' });

type ActionFields = z.infer<typeof ActionShape>;

/** The one action an entry names, or why it names none or several. */
function toAction(a: ActionFields, ctx: Ctx): Action {
  const keys = ACTION_KEYS.filter((k) => a[k] !== undefined);
  if (a.transition !== undefined) return transitionAction(a.transition, a.comment, keys, ctx);
  if (keys.length !== 1) {
    const message = keys.length === 0 ? `one of ${ACTION_KEYS.join(', ')}` : `one action per entry, got ${keys.join(', ')}`;
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  }
  if (a.set) return { set: a.set };
  if (a.add_tags) return { add_tags: a.add_tags };
  if (a.remove_tags) return { remove_tags: a.remove_tags };
  if (a.assign !== undefined) return { assign: a.assign };
  if (a.notify) return { notify: a.notify };
  if (typeof a.comment === 'object') return { comment: a.comment };
  ctx.addIssue({ code: 'custom', message: 'a comment action is {body, internal}; a text comment goes beside a transition', path: ['comment'] });
  return z.NEVER;
}

function transitionAction(name: TransitionName, comment: ActionFields['comment'], keys: readonly string[], ctx: Ctx): Action {
  const others = keys.filter((k) => k !== 'transition' && k !== 'comment');
  if (others.length > 0) ctx.addIssue({ code: 'custom', message: `one action per entry, got ${keys.join(', ')}` });
  if (typeof comment === 'object') ctx.addIssue({ code: 'custom', message: "beside a transition, comment is the transition's text", path: ['comment'] });
  if (others.length > 0 || typeof comment === 'object') return z.NEVER;
  return comment === undefined ? { transition: name } : { transition: name, comment };
}

const ActionInput = ActionShape.transform(toAction);

const Actions = z
  .array(ActionInput)
  .min(1, 'at least one action')
  .max(MAX_ACTIONS, `at most ${MAX_ACTIONS} actions`)
  .superRefine((actions, ctx) => {
    // Two transitions would race each other: the second one's input place is rarely the first one's output.
    const transitions = actions.flatMap((a, i) => ('transition' in a ? [i] : []));
    for (const i of transitions.slice(1)) ctx.addIssue({ code: 'custom', message: 'at most one transition per rule', path: [i, 'transition'] });
  });

// ---------------------------------------------------------------------------------------------
// Rules

export const AutomationRuleInputSchema = z
  .strictObject({
    name: line(200, { trim: true, min: 1, tooShort: 'required, 1-200 characters after trimming' }),
    enabled: z.boolean().default(true),
    position: z.number().int('a whole number').min(0, 'at least 0').default(0).openapi({ description: 'rules run in ascending position' }),
    when: WhenInput,
    actions: Actions,
  })
  .openapi('AutomationRuleInput');

export type AutomationRuleInput = z.infer<typeof AutomationRuleInputSchema>;
export type AutomationRule = AutomationRuleInput & { id: string; tenant: string; createdAt: string; updatedAt: string };

// The response documents the stored shape; it holds no transforms, so it can describe output.
const WhenOutput = z.union([z.object({ event: z.enum(RULE_EVENTS), conditions: z.array(ConditionShape) }), z.object({ idle: IdleSpec })]);

export const AutomationRuleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    enabled: z.boolean(),
    position: z.number().int(),
    when: WhenOutput,
    actions: z.array(ActionShape),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('AutomationRule');
