// SLA rules (SPEC §6, §12): the tier × priority policy, a ticket's SLA targets counted in business
// minutes of the tier's calendar, and how transitions, replies and time move them. Pure: `now`
// comes in as an argument, so every rule is tested with a fake clock.
import { ALWAYS_OPEN, ALWAYS_OPEN_NAME, type Calendar, addBusinessMinutes, businessMinutesBetween } from './calendar.js';
import type { CustomerTier, Priority } from './fields.js';

export const SLA_STATES = ['ok', 'alert', 'breached'] as const;
export type SlaState = (typeof SLA_STATES)[number];
export const SLA_TARGETS = ['response', 'next_reply', 'resolution'] as const;
export type SlaTargetName = (typeof SLA_TARGETS)[number];

/** Business minutes to respond, to answer each customer reply (optional) and to resolve (fractions allowed). */
export type SlaTargets = { response: number; resolution: number; next_reply?: number | undefined };
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

/**
 * One target's clock. Its deadline is kept, not derived, because deriving it needs the calendar:
 * `dueAt` is `startedAt` + `minutes` + `pausedMinutes` in business minutes, recomputed whenever
 * one of them moves (a resume, a priority change).
 */
export type SlaTarget = {
  minutes: number;
  /** When this target's clock started (it is activated then, inside business hours or not). */
  startedAt: string;
  /** Business minutes spent paused since it started, closed pauses only. */
  pausedMinutes: number;
  dueAt: string;
  alertAt: string;
  metAt: string | null;
  alertedAt: string | null;
  breachedAt: string | null;
};

/** A ticket's SLA clock for the current round (a reopen starts a new round). */
export type SlaClock = {
  startedAt: string;
  /** The calendar the targets count in (`24x7` unless the tier names another). */
  calendar: string;
  /** Wall-clock milliseconds spent paused in pending_customer, closed pauses only. */
  pausedMs: number;
  /** Set while paused. */
  pausedAt: string | null;
  alertThreshold: number;
  response: SlaTarget;
  resolution: SlaTarget;
  /** One entry per customer reply awaiting an answer; the last is the current round. */
  nextReply: SlaTarget[];
};

export type SlaSettings = {
  policy: SlaPolicy;
  alertThreshold: number;
  /** The calendar each tier's targets count in; 24x7 when absent. */
  calendarFor?: ((tier: CustomerTier) => Calendar) | undefined;
};

const ms = (iso: string) => Date.parse(iso);
const iso = (t: number) => new Date(t).toISOString();
/** The calendar a tier's targets count in. */
export const calendarOf = (settings: SlaSettings, tier: CustomerTier): Calendar => settings.calendarFor?.(tier) ?? ALWAYS_OPEN;

/** A target whose clock starts now. */
function activate(cal: Calendar, minutes: number, threshold: number, now: string): SlaTarget {
  return schedule(cal, { minutes, startedAt: now, pausedMinutes: 0, dueAt: now, alertAt: now, metAt: null, alertedAt: null, breachedAt: null }, threshold);
}

/** The target's deadline and alert instant from its start, minutes and time paused. */
function schedule(cal: Calendar, t: SlaTarget, threshold: number): SlaTarget {
  const start = ms(t.startedAt);
  return {
    ...t,
    dueAt: iso(addBusinessMinutes(cal, start, t.minutes + t.pausedMinutes)),
    alertAt: iso(addBusinessMinutes(cal, start, threshold * t.minutes + t.pausedMinutes)),
  };
}

const open = (t: SlaTarget) => t.metAt === null && t.breachedAt === null;

/** Every target of the clock, the next-reply rounds in order. */
export function targetsOf(clock: SlaClock): Array<{ name: SlaTargetName; round: number; target: SlaTarget }> {
  return [
    { name: 'response', round: 0, target: clock.response },
    ...clock.nextReply.map((target, i) => ({ name: 'next_reply' as const, round: i + 1, target })),
    { name: 'resolution', round: 0, target: clock.resolution },
  ];
}

/** The clock with every target passed through `f`. */
function mapTargets(clock: SlaClock, f: (t: SlaTarget) => SlaTarget): SlaClock {
  return { ...clock, response: f(clock.response), resolution: f(clock.resolution), nextReply: clock.nextReply.map(f) };
}

/** A new round for a ticket of this tier and priority; null when the tier has no SLA. */
export function startClock(settings: SlaSettings, tier: CustomerTier, priority: Priority, now: string): SlaClock | null {
  const targets = settings.policy[tier]?.[priority];
  if (!targets) return null;
  const cal = calendarOf(settings, tier);
  return {
    startedAt: now,
    calendar: cal.name,
    pausedMs: 0,
    pausedAt: null,
    alertThreshold: settings.alertThreshold,
    response: activate(cal, targets.response, settings.alertThreshold, now),
    resolution: activate(cal, targets.resolution, settings.alertThreshold, now),
    nextReply: [],
  };
}

/** New target minutes (and calendar) after a priority or tier change; met targets keep theirs. */
export function retarget(clock: SlaClock, settings: SlaSettings, tier: CustomerTier, priority: Priority): SlaClock | null {
  const targets = settings.policy[tier]?.[priority];
  if (!targets) return null;
  const cal = calendarOf(settings, tier);
  const keep = (t: SlaTarget, minutes: number | undefined): SlaTarget =>
    t.metAt || minutes === undefined ? t : schedule(cal, { ...t, minutes }, clock.alertThreshold);
  const last = clock.nextReply.length - 1;
  return {
    ...clock,
    calendar: cal.name,
    response: keep(clock.response, targets.response),
    resolution: keep(clock.resolution, targets.resolution),
    nextReply: clock.nextReply.map((t, i) => (i === last ? keep(t, targets.next_reply) : t)),
  };
}

export function pause(clock: SlaClock, now: string): SlaClock {
  return clock.pausedAt ? clock : { ...clock, pausedAt: now };
}

/** Ends a pause: each open target counts the business minutes it spent paused, and its deadline moves by them. */
export function resume(clock: SlaClock, cal: Calendar, now: string): SlaClock {
  if (!clock.pausedAt) return clock;
  const pausedAt = ms(clock.pausedAt);
  const moved = mapTargets(clock, (t) => {
    if (!open(t)) return t;
    const paused = businessMinutesBetween(cal, Math.max(pausedAt, ms(t.startedAt)), ms(now));
    return paused > 0 ? schedule(cal, { ...t, pausedMinutes: t.pausedMinutes + paused }, clock.alertThreshold) : t;
  });
  return { ...moved, pausedAt: null, pausedMs: clock.pausedMs + Math.max(0, ms(now) - pausedAt) };
}

export function meet(clock: SlaClock, name: SlaTargetName, now: string): SlaClock {
  if (name === 'next_reply') {
    const current = clock.nextReply.at(-1);
    if (!current || current.metAt) return clock;
    return { ...clock, nextReply: [...clock.nextReply.slice(0, -1), { ...current, metAt: now }] };
  }
  return clock[name].metAt ? clock : { ...clock, [name]: { ...clock[name], metAt: now } };
}

/**
 * A customer's reply awaits an answer: a new next_reply round, when the policy has that target,
 * the first response is already given (until then the response target covers it) and no round
 * is still waiting.
 */
export function awaitReply(clock: SlaClock, settings: SlaSettings, tier: CustomerTier, priority: Priority, now: string): SlaClock {
  const minutes = settings.policy[tier]?.[priority]?.next_reply;
  if (minutes === undefined || clock.response.metAt === null) return clock;
  const current = clock.nextReply.at(-1);
  if (current && current.metAt === null) return clock;
  const round = activate(calendarOf(settings, tier), minutes, clock.alertThreshold, now);
  return { ...clock, nextReply: [...clock.nextReply, round] };
}

/** ok → alert → breached within a round: a breach is history, meeting a target later does not undo it. */
export function slaState(clock: SlaClock): SlaState {
  const all = targetsOf(clock);
  if (all.some((t) => t.target.breachedAt)) return 'breached';
  if (all.some((t) => t.target.alertedAt)) return 'alert';
  return 'ok';
}

/** When the scheduler must look at this clock next: the earliest threshold still ahead; none while paused. */
export function nextDueAt(clock: SlaClock): string | null {
  if (clock.pausedAt) return null;
  let next: string | null = null;
  // ISO instants of one format compare as strings: this runs for every ticket written.
  const consider = (t: SlaTarget) => {
    if (!open(t)) return;
    const at = t.alertedAt ? t.dueAt : t.alertAt;
    if (next === null || at < next) next = at;
  };
  consider(clock.response);
  consider(clock.resolution);
  const current = clock.nextReply.at(-1);
  if (current) consider(current);
  return next;
}

export type SlaCrossing = { target: SlaTargetName; kind: 'alert' | 'breach' };

/** Marks every threshold `now` has passed; returns the new clock and what was crossed. */
export function crossThresholds(clock: SlaClock, now: string): { clock: SlaClock; crossed: SlaCrossing[] } {
  if (clock.pausedAt) return { clock, crossed: [] };
  const crossed: SlaCrossing[] = [];
  const t = ms(now);
  const cross = (name: SlaTargetName, target: SlaTarget): SlaTarget => {
    if (!open(target)) return target;
    if (t >= ms(target.dueAt)) {
      crossed.push({ target: name, kind: 'breach' });
      return { ...target, alertedAt: target.alertedAt ?? now, breachedAt: now };
    }
    if (!target.alertedAt && t >= ms(target.alertAt)) {
      crossed.push({ target: name, kind: 'alert' });
      return { ...target, alertedAt: now };
    }
    return target;
  };
  const response = cross('response', clock.response);
  const last = clock.nextReply.length - 1;
  const nextReply = clock.nextReply.map((r, i) => (i === last ? cross('next_reply', r) : r));
  const resolution = cross('resolution', clock.resolution);
  return crossed.length === 0 ? { clock, crossed } : { clock: { ...clock, response, nextReply, resolution }, crossed };
}

/** Business minutes left to the target's deadline, unrounded; negative once past it. Frozen once met or while paused. */
export function businessMinutesLeft(clock: SlaClock, target: SlaTarget, cal: Calendar, now: string): number {
  const from = target.metAt ?? target.breachedAt ?? clock.pausedAt ?? now;
  return businessMinutesBetween(cal, ms(from), ms(target.dueAt));
}

/** A clock as stored before calendars: every target counted from the round's start in wall-clock time. */
type LegacyTarget = { minutes: number; metAt: string | null; alertedAt: string | null; breachedAt: string | null };
type LegacyClock = Omit<SlaClock, 'calendar' | 'response' | 'resolution' | 'nextReply'> & { response: LegacyTarget; resolution: LegacyTarget };

/** Reads a stored clock of either shape; one written before calendars counts in 24x7. */
export function upgradeClock(stored: SlaClock | LegacyClock): SlaClock {
  if ('calendar' in stored) return stored;
  const pausedMinutes = stored.pausedMs / 60_000;
  const upgrade = (t: LegacyTarget): SlaTarget =>
    schedule(ALWAYS_OPEN, { ...t, startedAt: stored.startedAt, pausedMinutes, dueAt: stored.startedAt, alertAt: stored.startedAt }, stored.alertThreshold);
  return { ...stored, calendar: ALWAYS_OPEN_NAME, response: upgrade(stored.response), resolution: upgrade(stored.resolution), nextReply: [] };
}
