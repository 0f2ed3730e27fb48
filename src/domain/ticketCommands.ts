// The ticket's deciders: pure functions of the ticket, the input and the command context that
// return the new state and its events, or a refusal.
import type { DomainEvent } from './events.js';
import type { CommandContext, Decision, Refusal, RoutingRules } from './decision.js';
import type { NewTicket, TicketPatch } from './ticket.js';
import { type Principal, canSee, isStaff } from './roles.js';
import type { CustomerTier, Priority, TicketType } from './fields.js';
import { findSeverityKeywords } from './severity.js';
import {
  DEFAULT_SLA_POLICY,
  type SlaClock,
  type SlaSettings,
  awaitReply,
  calendarOf,
  crossThresholds,
  meet,
  pause,
  resume,
  retarget,
  startClock,
} from './sla.js';
import type { Attachment, Comment, GithubIssue, Ticket } from './ticket.js';
import { type Place, fire, markingOf } from './workflow.js';
import { getOrAdd } from '../getOrAdd.js';

const DEFAULT_SLA: SlaSettings = { policy: DEFAULT_SLA_POLICY, alertThreshold: 0.85 };
/** Routing acts as the system, not as the caller (a customer's ticket is still routed). */
const ROUTER: Principal = { id: 'system:routing', roles: ['agent'] };

export function createTicket(input: NewTicket, ctx: CommandContext): Decision {
  if (!isStaff(ctx.principal)) {
    // A customer files tickets for themselves: customer_id is theirs, whatever the body says.
    if (input.customerId != null && input.customerId !== ctx.principal.id) {
      return { ok: false, code: 'forbidden', reason: 'a customer can only file tickets for themselves', field: 'customer_id' };
    }
    input = { ...input, customerId: ctx.principal.id };
  }
  const ticket: Ticket = {
    id: ctx.newId(),
    tenant: ctx.tenant,
    title: input.title,
    description: emptyToNull(input.description),
    createdBy: input.createdBy,
    type: input.type ?? 'support',
    priority: input.priority ?? 'medium',
    status: 'new',
    customerId: input.customerId ?? null,
    customerTier: input.customerTier ?? 'standard',
    assignee: null,
    tags: input.tags ?? [],
    externalId: input.externalId ?? null,
    escalationLevel: 0,
    githubIssue: null,
    sla: null,
    version: 1,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    resolvedAt: null,
    closedAt: null,
    statusChangedAt: ctx.now,
  };
  ticket.sla = startClock(ctx.sla ?? DEFAULT_SLA, ticket.customerTier, ticket.priority, ctx.now);
  const changed = Object.keys(input).filter((k) => input[k as keyof NewTicket] !== undefined);
  const events: DomainEvent[] = [
    { action: 'created', ticket, changedFields: changed.map(toWireName), actor: ctx.principal.id },
    ...severityEvents(ticket, ctx),
  ];
  const assignee = route(ticket, ctx.routing);
  if (!assignee) return { ok: true, write: { kind: 'insert', ticket }, events };
  const routed = transitionTicket(ticket, 'assign', { assignee, comment: 'routed by priority' }, undefined, { ...ctx, principal: ROUTER });
  if (!routed.ok) return routed;
  return { ok: true, write: { kind: 'insert', ticket: routed.write.ticket }, events: [...events, ...routed.events] };
}

/** The assignee routing picks for a new ticket: its priority's rule, else the fallback, else nobody. */
export function route(ticket: Pick<Ticket, 'priority'>, routing: RoutingRules | undefined): string | null {
  if (!routing) return null;
  return routing.rules.find((r) => r.priority === ticket.priority)?.assignee ?? routing.fallback;
}

/** An If-Match precondition: the list of versions the client claims, or any ('*'). */
export type Precondition = { versions: number[] | 'any'; raw: string } | undefined;

/** What a customer may change on their own ticket; the rest is the agents' to decide. */
const CUSTOMER_EDITABLE: ReadonlySet<keyof TicketPatch> = new Set(['title', 'description']);

export function updateTicket(current: Ticket, patch: TicketPatch, precondition: Precondition, ctx: CommandContext): Decision {
  if (!canSee(ctx.principal, current)) return { ok: false, code: 'not_found' };
  if (!isStaff(ctx.principal)) {
    const field = (Object.keys(patch) as (keyof TicketPatch)[]).find((k) => patch[k] !== undefined && !CUSTOMER_EDITABLE.has(k));
    if (field) return { ok: false, code: 'forbidden', reason: `a customer may change only ${[...CUSTOMER_EDITABLE].join(' and ')}`, field };
  }
  const stale = checkPrecondition(current, precondition);
  if (stale) return stale;
  const given = patch.description === undefined ? patch : { ...patch, description: emptyToNull(patch.description) };
  const { next, changed } = withFields(current, given, ctx);
  if (changed.length === 0) return { ok: true, write: { kind: 'none', ticket: current }, events: [] };
  const descriptionChanged = changed.includes('description');
  return {
    ok: true,
    write: { kind: 'update', ticket: next },
    events: [
      { action: 'updated', ticket: next, changedFields: changed.map(toWireName), actor: ctx.principal.id },
      ...(descriptionChanged ? severityEvents(next, ctx) : []),
    ],
  };
}

export function deleteTicket(current: Ticket, precondition: Precondition, ctx: CommandContext): Decision {
  if (!canSee(ctx.principal, current)) return { ok: false, code: 'not_found' };
  if (!isStaff(ctx.principal)) return { ok: false, code: 'forbidden', reason: 'only agents, supervisors and admins delete tickets' };
  const stale = checkPrecondition(current, precondition);
  if (stale) return stale;
  const gone: Ticket = { ...current, version: current.version + 1, updatedAt: ctx.now };
  return { ok: true, write: { kind: 'delete', ticket: gone }, events: [{ action: 'deleted', ticket: gone, changedFields: [], actor: ctx.principal.id }] };
}

/** Reading is audited: the read leaves the ticket as it is and raises a `read` event. */
export function readTicket(current: Ticket, ctx: CommandContext): Decision {
  if (!canSee(ctx.principal, current)) return { ok: false, code: 'not_found' };
  return { ok: true, write: { kind: 'none', ticket: current }, events: [{ action: 'read', ticket: current, changedFields: [], actor: ctx.principal.id }] };
}

export type TransitionInput = { assignee?: string | undefined; comment?: string | undefined };

/**
 * Fires a workflow transition on the ticket. The net decides whether it is enabled and allowed;
 * this adds what the ticket keeps: the assignee, resolved_at and closed_at.
 */
export function transitionTicket(current: Ticket, name: string, input: TransitionInput, precondition: Precondition, ctx: CommandContext): Decision {
  if (!canSee(ctx.principal, current)) return { ok: false, code: 'not_found' };
  const firing = fire(markingOf(current.status), name, ctx.principal);
  if (!firing.ok) return firing;
  if (firing.transition === 'assign' && !input.assignee) return { ok: false, code: 'assignee_required' };
  const stale = checkPrecondition(current, precondition);
  if (stale) return stale;
  const next: Ticket = { ...current, status: firing.to, version: current.version + 1, updatedAt: ctx.now, statusChangedAt: ctx.now };
  if (input.assignee) next.assignee = input.assignee;
  if (firing.to === 'resolved') next.resolvedAt = ctx.now;
  if (firing.to === 'closed') next.closedAt = ctx.now;
  next.sla = moveClock(current, firing.transition, firing.from, firing.to, ctx);
  // Reopened work is unresolved again: the timestamps and the SLA clock start a new round.
  if (firing.transition === 'reopen') {
    next.resolvedAt = null;
    next.closedAt = null;
    next.sla = startClock(ctx.sla ?? DEFAULT_SLA, next.customerTier, next.priority, ctx.now);
  }
  const changed = (['status', 'assignee', 'resolvedAt', 'closedAt', 'sla'] as const).filter((k) => next[k] !== current[k]);
  return {
    ok: true,
    write: { kind: 'update', ticket: next },
    events: [
      {
        action: 'transitioned',
        ticket: next,
        changedFields: changed.map(toWireName),
        actor: ctx.principal.id,
        transition: { name: firing.transition, from: firing.from, to: firing.to, comment: input.comment ?? '' },
      },
    ],
  };
}

/**
 * Adds a comment. The conversation is part of the ticket, so a comment is a change (one version
 * up); a public comment by staff answers (the response target, the waiting next_reply round), a
 * customer's starts a next_reply round; internal comments answer nobody.
 */
export function commentTicket(current: Ticket, input: { body: string; internal: boolean }, ctx: CommandContext): Decision {
  if (!canSee(ctx.principal, current)) return { ok: false, code: 'not_found' };
  const staff = isStaff(ctx.principal);
  if (input.internal && !staff) return { ok: false, code: 'forbidden', reason: 'customers cannot write internal comments', field: 'internal' };
  const comment: Comment = { id: ctx.newId(), author: ctx.principal.id, body: input.body, internal: input.internal, createdAt: ctx.now };
  const next: Ticket = { ...current, version: current.version + 1, updatedAt: ctx.now, sla: replyClock(current, staff, input.internal, ctx) };
  return {
    ok: true,
    write: { kind: 'update', ticket: next },
    events: [
      { action: 'commented', ticket: next, changedFields: next.sla !== current.sla ? ['comments', 'sla'] : ['comments'], actor: ctx.principal.id, comment },
    ],
  };
}

/** What an automation's field actions change, together (SPEC §13). */
export type FieldChanges = { priority?: Priority; type?: TicketType; customerTier?: CustomerTier; tags?: string[]; assignee?: string };

/**
 * An automation's field actions as one change (one `updated` event): priority, type, tier, tags and
 * assignee. Nothing to change → nothing written.
 */
export function changeFields(current: Ticket, changes: FieldChanges, ctx: CommandContext): Decision {
  const { next, changed } = withFields(current, changes, ctx);
  if (changed.length === 0) return { ok: true, write: { kind: 'none', ticket: current }, events: [] };
  return {
    ok: true,
    write: { kind: 'update', ticket: next },
    events: [{ action: 'updated', ticket: next, changedFields: changed.map(toWireName), actor: ctx.principal.id }],
  };
}

/**
 * The ticket with the given fields set (absent ones kept), one version up when any changed, its SLA
 * retargeted when priority or tier did; `changed` lists the fields that did.
 */
function withFields(current: Ticket, fields: Partial<Pick<Ticket, keyof TicketPatch | keyof FieldChanges>>, ctx: CommandContext) {
  const next: Ticket = { ...current };
  const changed: string[] = [];
  for (const key of Object.keys(fields) as (keyof typeof fields)[]) {
    const value = fields[key];
    if (value === undefined || sameValue(current[key], value)) continue;
    (next as Record<string, unknown>)[key] = value;
    changed.push(key);
  }
  if (changed.length === 0) return { next: current, changed };
  if (changed.includes('priority') || changed.includes('customerTier')) next.sla = reclock(current, next, ctx);
  next.version = current.version + 1;
  next.updatedAt = ctx.now;
  return { next, changed };
}

/** Records an uploaded file on the ticket (one version up). Anyone who sees the ticket may attach. */
export function attachToTicket(current: Ticket, attachment: Attachment, ctx: CommandContext): Decision {
  if (!canSee(ctx.principal, current)) return { ok: false, code: 'not_found' };
  const next: Ticket = { ...current, version: current.version + 1, updatedAt: ctx.now };
  return {
    ok: true,
    write: { kind: 'update', ticket: next },
    events: [{ action: 'attachment_added', ticket: next, changedFields: ['attachments'], actor: ctx.principal.id, attachment }],
  };
}

/** Links the ticket to a GitHub issue, or unlinks it (null). Staff only. */
export function linkGithubIssue(current: Ticket, link: GithubIssue | null, precondition: Precondition, ctx: CommandContext): Decision {
  if (!canSee(ctx.principal, current)) return { ok: false, code: 'not_found' };
  if (!isStaff(ctx.principal)) return { ok: false, code: 'forbidden', reason: 'only staff link tickets to GitHub issues' };
  const stale = checkPrecondition(current, precondition);
  if (stale) return stale;
  if (sameLink(current.githubIssue, link)) return { ok: true, write: { kind: 'none', ticket: current }, events: [] };
  const next: Ticket = { ...current, githubIssue: link, version: current.version + 1, updatedAt: ctx.now };
  return {
    ok: true,
    write: { kind: 'update', ticket: next },
    events: [{ action: 'updated', ticket: next, changedFields: ['github_issue'], actor: ctx.principal.id }],
  };
}

const isSystem = (p: Principal) => p.id.startsWith('system:');

const sameLink = (a: GithubIssue | null, b: GithubIssue | null) => a === b || (a !== null && b !== null && a.number === b.number && a.url === b.url);

/** How a comment moves the SLA clock. */
function replyClock(current: Ticket, staff: boolean, internal: boolean, ctx: CommandContext): SlaClock | null {
  const clock = current.sla;
  // Internal notes and the system's own words (an automation's comment) answer nobody.
  if (!clock || internal || isSystem(ctx.principal)) return clock;
  if (staff) return meet(meet(clock, 'response', ctx.now), 'next_reply', ctx.now);
  return awaitReply(clock, ctx.sla ?? DEFAULT_SLA, current.customerTier, current.priority, ctx.now);
}

/**
 * How a transition moves the SLA clock: leaving new answers, resolving resolves (and answers the
 * waiting reply), waiting on the customer pauses, and the customer's reply starts a next_reply round.
 */
function moveClock(current: Ticket, transition: string, from: Place, to: Place, ctx: CommandContext): SlaClock | null {
  if (!current.sla) return null;
  const settings = ctx.sla ?? DEFAULT_SLA;
  const now = ctx.now;
  let next = current.sla;
  if (from === 'new') next = meet(next, 'response', now);
  if (to === 'resolved') next = meet(meet(next, 'resolution', now), 'next_reply', now);
  if (to === 'pending_customer') next = pause(next, now);
  if (from === 'pending_customer') next = resume(next, calendarOf(settings, current.customerTier), now);
  if (transition === 'customer_reply') next = awaitReply(next, settings, current.customerTier, current.priority, now);
  return next;
}

function reclock(current: Ticket, next: Ticket, ctx: CommandContext): SlaClock | null {
  const settings = ctx.sla ?? DEFAULT_SLA;
  if (current.sla) return retarget(current.sla, settings, next.customerTier, next.priority);
  const open = next.status !== 'resolved' && next.status !== 'closed';
  return open ? startClock(settings, next.customerTier, next.priority, ctx.now) : null;
}

/**
 * The scheduler's command: mark the SLA thresholds `now` has passed. A breach raises the
 * escalation level and requests a notification. Nothing passed → nothing written, so running it
 * twice (another replica, a retry) changes nothing the second time.
 */
export function checkSla(current: Ticket, ctx: CommandContext): Decision {
  if (!current.sla) return { ok: true, write: { kind: 'none', ticket: current }, events: [] };
  const { clock, crossed } = crossThresholds(current.sla, ctx.now);
  if (crossed.length === 0) return { ok: true, write: { kind: 'none', ticket: current }, events: [] };
  const breaches = crossed.filter((c) => c.kind === 'breach');
  const next: Ticket = {
    ...current,
    sla: clock,
    escalationLevel: current.escalationLevel + breaches.length,
    version: current.version + 1,
    updatedAt: ctx.now,
  };
  // The crossings themselves are SLA metric events (alerted, breached): the command handler raises them.
  const events: DomainEvent[] = [];
  if (breaches.length > 0) {
    events.push({
      action: 'notification_requested',
      ticket: next,
      actor: ctx.principal.id,
      notification: { reason: 'sla_breached', keywords: breaches.map((b) => b.target) },
    });
  }
  return { ok: true, write: { kind: 'update', ticket: next }, events };
}

// The few field names there are, each turned once rather than a regex replace per field per event.
const wireNames = new Map<string, string>();
const toWireName = (field: string): string => getOrAdd(wireNames, field, () => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));

function checkPrecondition(current: Ticket, precondition: Precondition): Refusal | undefined {
  if (!precondition || precondition.versions === 'any') return undefined;
  if (precondition.versions.includes(current.version)) return undefined;
  return { ok: false, code: 'version_mismatch', expected: precondition.raw, actual: current.version };
}

function severityEvents(ticket: Ticket, ctx: CommandContext): DomainEvent[] {
  const keywords = findSeverityKeywords(ticket.description ?? '', ctx.severityKeywords);
  if (keywords.length === 0) return [];
  return [{ action: 'notification_requested', ticket, actor: ctx.principal.id, notification: { reason: 'severity_keyword', keywords } }];
}

// An empty description is no description: proto3 cannot tell "" from unset, and history and
// replay must rebuild exactly what was stored.
function emptyToNull(text: string | null | undefined): string | null {
  return text === undefined || text === '' ? null : text;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => v === b[i]);
  return a === b;
}
