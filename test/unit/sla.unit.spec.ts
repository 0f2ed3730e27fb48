// SPEC §6 SLA rules with a fake clock: deadlines from the tier × priority table, pauses in
// pending_customer, thresholds at the alert fraction and at 100%, retargeting and new rounds.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SLA_POLICY,
  type SlaClock,
  alertAt,
  crossThresholds,
  dueAt,
  meet,
  nextDueAt,
  overridePolicy,
  pause,
  resume,
  retarget,
  slaState,
  startClock,
} from '../../src/domain/sla.js';

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
    expect(alertAt(c, 'response')).toBe(at(15 * 0.85));
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
    const resumed = resume(paused, at(65));
    expect(dueAt(resumed, 'response')).toBe(at(75));
    expect(dueAt(resumed, 'resolution')).toBe(at(300));
  });

  it('adds up several pauses, and ignores a pause while paused or a resume while running', () => {
    let c = pause(clock(), at(1));
    c = pause(c, at(2));
    c = resume(c, at(11));
    c = resume(c, at(12));
    c = resume(pause(c, at(20)), at(25));
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
