// SLA rules (SPEC §6): the tier × priority policy, a ticket's SLA clock, and how transitions and
// time move it. Pure: `now` comes in as an argument, so every rule is tested with a fake clock.
import type { CustomerTier, Priority } from './fields.js';

export const SLA_STATES = ['ok', 'alert', 'breached'] as const;
export type SlaState = (typeof SLA_STATES)[number];
export const SLA_TARGETS = ['response', 'resolution'] as const;
export type SlaTargetName = (typeof SLA_TARGETS)[number];

/** Minutes to respond and to resolve (fractions allowed). */
export type SlaTargets = { response: number; resolution: number };
/** Per tier, per priority: the targets, or null for a tier without any SLA. */
export type SlaPolicy = Record<CustomerTier, Record<Priority, SlaTargets> | null>;

const DEFAULT_TARGETS: Record<Priority, SlaTargets> = {
  critical: { response: 15, resolution: 240 },
  high: { response: 60, resolution: 1440 },
  medium: { response: 240, resolution: 4320 },
  low: { response: 1440, resolution: 10080 },
};
export const DEFAULT_SLA_POLICY: SlaPolicy = { standard: DEFAULT_TARGETS, premium: DEFAULT_TARGETS, enterprise: DEFAULT_TARGETS };

/** Layers a tenant's override (whole tiers, or single priorities of a tier) over the base policy. */
export function overridePolicy(base: SlaPolicy, override: Partial<Record<CustomerTier, Partial<Record<Priority, SlaTargets>> | null>>): SlaPolicy {
  const out: SlaPolicy = { ...base };
  for (const tier of Object.keys(override) as CustomerTier[]) {
    const layer = override[tier];
    if (layer === undefined) continue;
    out[tier] = layer === null ? null : ({ ...(base[tier] ?? DEFAULT_TARGETS), ...layer } as Record<Priority, SlaTargets>);
  }
  return out;
}

export type SlaTarget = { minutes: number; metAt: string | null; alertedAt: string | null; breachedAt: string | null };

/**
 * A ticket's SLA clock for the current round (a reopen starts a new round). Deadlines are
 * derived: start + target minutes + time spent paused, so a pause or a priority change moves them.
 */
export type SlaClock = {
  startedAt: string;
  /** Milliseconds spent paused in pending_customer, closed pauses only. */
  pausedMs: number;
  /** Set while paused. */
  pausedAt: string | null;
  alertThreshold: number;
  response: SlaTarget;
  resolution: SlaTarget;
};

export type SlaSettings = { policy: SlaPolicy; alertThreshold: number };

const ms = (iso: string) => Date.parse(iso);
const iso = (t: number) => new Date(t).toISOString();
const target = (minutes: number): SlaTarget => ({ minutes, metAt: null, alertedAt: null, breachedAt: null });

/** A new round for a ticket of this tier and priority; null when the tier has no SLA. */
export function startClock(settings: SlaSettings, tier: CustomerTier, priority: Priority, now: string): SlaClock | null {
  const targets = settings.policy[tier]?.[priority];
  if (!targets) return null;
  return {
    startedAt: now,
    pausedMs: 0,
    pausedAt: null,
    alertThreshold: settings.alertThreshold,
    response: target(targets.response),
    resolution: target(targets.resolution),
  };
}

/** New target minutes after a priority or tier change; met targets keep theirs. */
export function retarget(clock: SlaClock, settings: SlaSettings, tier: CustomerTier, priority: Priority): SlaClock | null {
  const targets = settings.policy[tier]?.[priority];
  if (!targets) return null;
  const keep = (t: SlaTarget, minutes: number): SlaTarget => (t.metAt ? t : { ...t, minutes });
  return { ...clock, response: keep(clock.response, targets.response), resolution: keep(clock.resolution, targets.resolution) };
}

/** The instant (ms) `fraction` of the target's minutes has run: 1 is the deadline, alertThreshold the alert. */
const thresholdMs = (clock: SlaClock, name: SlaTargetName, fraction: number) => ms(clock.startedAt) + fraction * clock[name].minutes * 60_000 + clock.pausedMs;

export function dueAt(clock: SlaClock, name: SlaTargetName): string {
  return iso(thresholdMs(clock, name, 1));
}

export function alertAt(clock: SlaClock, name: SlaTargetName): string {
  return iso(thresholdMs(clock, name, clock.alertThreshold));
}

export function pause(clock: SlaClock, now: string): SlaClock {
  return clock.pausedAt ? clock : { ...clock, pausedAt: now };
}

export function resume(clock: SlaClock, now: string): SlaClock {
  if (!clock.pausedAt) return clock;
  return { ...clock, pausedAt: null, pausedMs: clock.pausedMs + Math.max(0, ms(now) - ms(clock.pausedAt)) };
}

export function meet(clock: SlaClock, name: SlaTargetName, now: string): SlaClock {
  return clock[name].metAt ? clock : { ...clock, [name]: { ...clock[name], metAt: now } };
}

/** ok → alert → breached within a round: a breach is history, meeting a target later does not undo it. */
export function slaState(clock: SlaClock): SlaState {
  if (SLA_TARGETS.some((n) => clock[n].breachedAt)) return 'breached';
  if (SLA_TARGETS.some((n) => clock[n].alertedAt)) return 'alert';
  return 'ok';
}

/** When the scheduler must look at this clock next: the earliest threshold still ahead; none while paused. */
export function nextDueAt(clock: SlaClock): string | null {
  if (clock.pausedAt) return null;
  // Compared as numbers, formatted once: this runs for every ticket written.
  let next = Infinity;
  for (const n of SLA_TARGETS) {
    const t = clock[n];
    if (t.metAt || t.breachedAt) continue;
    next = Math.min(next, thresholdMs(clock, n, t.alertedAt ? 1 : clock.alertThreshold));
  }
  return next === Infinity ? null : iso(next);
}

export type SlaCrossing = { target: SlaTargetName; kind: 'alert' | 'breach' };

/** Marks every threshold `now` has passed; returns the new clock and what was crossed. */
export function crossThresholds(clock: SlaClock, now: string): { clock: SlaClock; crossed: SlaCrossing[] } {
  if (clock.pausedAt) return { clock, crossed: [] };
  const crossed: SlaCrossing[] = [];
  let next = clock;
  for (const name of SLA_TARGETS) {
    const t = next[name];
    if (t.metAt || t.breachedAt) continue;
    if (ms(now) >= ms(dueAt(next, name))) {
      next = { ...next, [name]: { ...t, alertedAt: t.alertedAt ?? now, breachedAt: now } };
      crossed.push({ target: name, kind: 'breach' });
    } else if (!t.alertedAt && ms(now) >= ms(alertAt(next, name))) {
      next = { ...next, [name]: { ...t, alertedAt: now } };
      crossed.push({ target: name, kind: 'alert' });
    }
  }
  return { clock: next, crossed };
}
