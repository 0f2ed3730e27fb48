// SPEC §6 SLA rules with a fake clock: deadlines from the tier × priority table, pauses in
// pending_customer, thresholds at the alert fraction and at 100%, retargeting and new rounds.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SLA_POLICY,
  type SlaClock,
  type SlaTargetName,
  awaitReply,
  businessMinutesLeft,
  crossThresholds,
  meet,
  nextDueAt,
  overridePolicy,
  pause,
  resume,
  retarget,
  slaState,
  startClock,
  upgradeClock,
} from '../../src/domain/sla.js';
import { ALWAYS_OPEN, compileCalendar } from '../../src/domain/calendar.js';

const dueAt = (c: SlaClock, name: Exclude<SlaTargetName, 'next_reply'>) => c[name].dueAt;

const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const settings = { policy: DEFAULT_SLA_POLICY, alertThreshold: 0.85 };
const clock = (priority: 'critical' | 'high' | 'medium' | 'low' = 'critical') => startClock(settings, 'standard', priority, at(0)) as SlaClock;

describe('the default policy', () => {
  it.each([
    ['critical', 15, 240],
    ['high', 60, 1440],
    ['medium', 240, 4320],
    ['low', 1440, 10080],
  ] as const)('gives %s tickets %d minutes to respond and %d to resolve', (priority, response, resolution) => {
    const c = clock(priority);
    expect(dueAt(c, 'response')).toBe(at(response));
    expect(dueAt(c, 'resolution')).toBe(at(resolution));
  });

  it('lets a tenant override single priorities, whole tiers, or switch a tier off', () => {
    const policy = overridePolicy(DEFAULT_SLA_POLICY, { premium: { critical: { response: 5, resolution: 60 } }, standard: null });
    expect(policy.premium?.critical).toEqual({ response: 5, resolution: 60 });
    expect(policy.premium?.high).toEqual({ response: 60, resolution: 1440 });
    expect(policy.standard).toBeNull();
    expect(startClock({ policy, alertThreshold: 0.85 }, 'standard', 'critical', at(0))).toBeNull();
  });

  it('takes fractions of minutes', () => {
    const policy = overridePolicy(DEFAULT_SLA_POLICY, { standard: { low: { response: 0.5, resolution: 1.25 } } });
    const c = startClock({ policy, alertThreshold: 0.85 }, 'standard', 'low', at(0))!;
    expect(dueAt(c, 'response')).toBe(new Date(T0 + 30_000).toISOString());
    expect(dueAt(c, 'resolution')).toBe(new Date(T0 + 75_000).toISOString());
  });
});

describe('thresholds', () => {
  it('alerts at the alert fraction of the target and breaches at 100%', () => {
    const c = clock();
    expect(c.response.alertAt).toBe(at(15 * 0.85));
    expect(crossThresholds(c, at(12)).crossed).toEqual([]);
    const alerted = crossThresholds(c, at(12.75));
    expect(alerted.crossed).toEqual([{ target: 'response', kind: 'alert' }]);
    expect(slaState(alerted.clock)).toBe('alert');
    const breached = crossThresholds(alerted.clock, at(15));
    expect(breached.crossed).toEqual([{ target: 'response', kind: 'breach' }]);
    expect(slaState(breached.clock)).toBe('breached');
  });

  it('marks each threshold once: a second look at the same time crosses nothing', () => {
    const once = crossThresholds(clock(), at(16));
    expect(once.crossed).toEqual([{ target: 'response', kind: 'breach' }]);
    expect(crossThresholds(once.clock, at(16)).crossed).toEqual([]);
  });

  it('jumps straight to breached when the scheduler looks late, still one crossing per target', () => {
    const late = crossThresholds(clock(), at(500));
    expect(late.crossed).toEqual([
      { target: 'response', kind: 'breach' },
      { target: 'resolution', kind: 'breach' },
    ]);
    expect(late.clock.response.alertedAt).toBe(at(500));
  });

  it('tells the scheduler when to look next: the earliest threshold still ahead', () => {
    const c = clock();
    expect(nextDueAt(c)).toBe(at(12.75));
    const alerted = crossThresholds(c, at(13)).clock;
    expect(nextDueAt(alerted)).toBe(at(15));
    const answered = meet(alerted, 'response', at(14));
    expect(nextDueAt(answered)).toBe(at(240 * 0.85));
    expect(nextDueAt(meet(answered, 'resolution', at(20)))).toBeNull();
  });

  it('keeps a breach once a target is met later: a breach is history', () => {
    const breached = crossThresholds(clock(), at(16)).clock;
    expect(slaState(meet(breached, 'response', at(17)))).toBe('breached');
  });
});

describe('pauses in pending_customer', () => {
  it('stops the clock: no thresholds while paused, and deadlines move by the time spent paused', () => {
    const paused = pause(clock(), at(5));
    expect(nextDueAt(paused)).toBeNull();
    expect(crossThresholds(paused, at(100)).crossed).toEqual([]);
    const resumed = resume(paused, ALWAYS_OPEN, at(65));
    expect(dueAt(resumed, 'response')).toBe(at(75));
    expect(dueAt(resumed, 'resolution')).toBe(at(300));
  });

  it('adds up several pauses, and ignores a pause while paused or a resume while running', () => {
    let c = pause(clock(), at(1));
    c = pause(c, at(2));
    c = resume(c, ALWAYS_OPEN, at(11));
    c = resume(c, ALWAYS_OPEN, at(12));
    c = resume(pause(c, at(20)), ALWAYS_OPEN, at(25));
    expect(c.pausedMs).toBe(15 * 60_000);
  });
});

describe('changing priority or tier', () => {
  it('moves unmet deadlines to the new targets and keeps met ones', () => {
    const answered = meet(clock('low'), 'response', at(10));
    const raised = retarget(answered, settings, 'standard', 'critical')!;
    expect(raised.response.minutes).toBe(1440);
    expect(dueAt(raised, 'resolution')).toBe(at(240));
  });
});

describe('business hours (SPEC §12)', () => {
  // 09:00-17:00 Monday to Friday in New York; 2026-03-06 is a Friday, and 2026-03-08 the DST change.
  const office = compileCalendar('office', {
    timezone: 'America/New_York',
    hours: { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [['09:00', '17:00']], thu: [['09:00', '17:00']], fri: [['09:00', '17:00']] },
    holidays: ['2026-03-10'],
  });
  const policy = overridePolicy(DEFAULT_SLA_POLICY, { standard: { critical: { response: 30, next_reply: 60, resolution: 600 } } });
  const hours = { policy, alertThreshold: 0.5, calendarFor: () => office };
  const friday1650 = '2026-03-06T21:50:00.000Z';

  it('counts a Friday 16:50 ticket with a 30-minute target to Monday 09:20 in the calendar zone', () => {
    const c = startClock(hours, 'standard', 'critical', friday1650)!;
    expect(c.calendar).toBe('office');
    // Monday 2026-03-09 09:20 EDT (UTC-4 after the change) is 13:20 UTC.
    expect(c.response.dueAt).toBe('2026-03-09T13:20:00.000Z');
    // Half of 30 minutes: 10 on Friday, 5 on Monday.
    expect(c.response.alertAt).toBe('2026-03-09T13:05:00.000Z');
    // 600 minutes: 10 on Friday, 480 on Monday, the holiday Tuesday skipped, 110 on Wednesday.
    expect(c.resolution.dueAt).toBe('2026-03-11T14:50:00.000Z');
  });

  it('moves deadlines by the business minutes spent paused only', () => {
    const c = startClock(hours, 'standard', 'critical', '2026-03-09T13:00:00.000Z')!; // Monday 09:00
    // Paused from Monday 09:10 to Wednesday 09:10: 470 + 10 business minutes (Tuesday is a holiday).
    const resumed = resume(pause(c, '2026-03-09T13:10:00.000Z'), office, '2026-03-11T13:10:00.000Z');
    expect(resumed.response.pausedMinutes).toBeCloseTo(480, 9);
    expect(resumed.response.dueAt).toBe('2026-03-11T13:30:00.000Z');
    expect(businessMinutesLeft(resumed, resumed.response, office, '2026-03-11T13:20:00.000Z')).toBeCloseTo(10, 9);
  });

  it('starts a next_reply round for a customer reply once the first response is given, one open round at a time', () => {
    const start = '2026-03-09T13:00:00.000Z';
    const c = startClock(hours, 'standard', 'critical', start)!;
    expect(awaitReply(c, hours, 'standard', 'critical', start).nextReply).toEqual([]);
    const answered = meet(c, 'response', '2026-03-09T13:05:00.000Z');
    const waiting = awaitReply(answered, hours, 'standard', 'critical', '2026-03-09T13:10:00.000Z');
    expect(waiting.nextReply).toHaveLength(1);
    expect(waiting.nextReply[0]!.dueAt).toBe('2026-03-09T14:10:00.000Z');
    expect(awaitReply(waiting, hours, 'standard', 'critical', '2026-03-09T13:20:00.000Z').nextReply).toHaveLength(1);
    const replied = meet(waiting, 'next_reply', '2026-03-09T13:30:00.000Z');
    expect(awaitReply(replied, hours, 'standard', 'critical', '2026-03-09T13:40:00.000Z').nextReply).toHaveLength(2);
    expect(nextDueAt(waiting)).toBe('2026-03-09T13:40:00.000Z');
  });

  it('reads a clock stored before calendars as 24x7 wall-clock time', () => {
    const legacy = {
      startedAt: at(0),
      pausedMs: 60_000,
      pausedAt: null,
      alertThreshold: 0.85,
      response: { minutes: 15, metAt: null, alertedAt: null, breachedAt: null },
      resolution: { minutes: 240, metAt: at(3), alertedAt: null, breachedAt: null },
    };
    const c = upgradeClock(legacy as unknown as SlaClock);
    expect(c).toMatchObject({ calendar: '24x7', nextReply: [], response: { dueAt: at(16), startedAt: at(0) }, resolution: { metAt: at(3) } });
  });
});
