// SLA metric events (SPEC §12): what happened to each target in one decision — activated,
// paused, resumed, fulfilled, alerted, breached — read off the clock before and after it, so no
// decider has to remember to say so. Each becomes an `sla_changed` event of its own.
import type { DomainEvent } from './events.js';
import { type SlaClock, type SlaTarget, type SlaTargetName, slaState, targetsOf } from './sla.js';
import type { Ticket } from './ticket.js';

export const SLA_METRICS = ['activated', 'paused', 'resumed', 'fulfilled', 'alerted', 'breached'] as const;
export type SlaMetric = (typeof SLA_METRICS)[number];
/** `round` numbers the next_reply rounds from 1; 0 for the other targets. */
export type SlaMetricEvent = { type: SlaMetric; target: SlaTargetName; round: number; at: string };

const isOpen = (t: SlaTarget) => t.metAt === null && t.breachedAt === null;

/** The metric events that lead from `before` to `after`, in target order. */
export function slaMetricEvents(before: SlaClock | null, after: SlaClock | null, now: string): SlaMetricEvent[] {
  if (!after) return [];
  const previous = new Map((before ? targetsOf(before) : []).map((t) => [`${t.name}/${t.round}`, t.target]));
  const out: SlaMetricEvent[] = [];
  // New targets come last: a customer's reply resumes the clock, then starts the next round.
  const activated: SlaMetricEvent[] = [];
  const paused = before !== null && before.pausedAt === null && after.pausedAt !== null;
  const resumed = before !== null && before.pausedAt !== null && after.pausedAt === null;
  for (const { name, round, target } of targetsOf(after)) {
    const was = previous.get(`${name}/${round}`);
    const event = (type: SlaMetric, at: string) => out.push({ type, target: name, round, at });
    // A different start is a new round of the same target (a reopen).
    if (!was || was.startedAt !== target.startedAt) {
      activated.push({ type: 'activated', target: name, round, at: target.startedAt });
      continue;
    }
    if (paused && isOpen(target)) event('paused', after.pausedAt ?? now);
    if (resumed && isOpen(was)) event('resumed', now);
    if (!was.metAt && target.metAt) event('fulfilled', target.metAt);
    if (!was.alertedAt && target.alertedAt) event('alerted', target.alertedAt);
    if (!was.breachedAt && target.breachedAt) event('breached', target.breachedAt);
  }
  return [...out, ...activated];
}

/** The decision's ticket and SLA metric events, each metric an sla_changed event carrying the state it left. */
export function slaChangedEvents(before: Ticket | undefined, after: Ticket, actor: string, now: string): DomainEvent[] {
  const metrics = slaMetricEvents(before?.sla ?? null, after.sla, now);
  if (metrics.length === 0) return [];
  const from = before?.sla ? slaState(before.sla) : 'none';
  const to = after.sla ? slaState(after.sla) : 'none';
  const escalated = before !== undefined && after.escalationLevel !== before.escalationLevel;
  return metrics.map((metric) => ({
    action: 'sla_changed',
    ticket: after,
    changedFields: metric.type === 'breached' && escalated ? ['sla', 'escalation_level'] : ['sla'],
    actor,
    slaChange: {
      from,
      to,
      crossed: metric.type === 'alerted' ? [`${metric.target}_alert`] : metric.type === 'breached' ? [`${metric.target}_breach`] : [],
      metric,
    },
  }));
}
