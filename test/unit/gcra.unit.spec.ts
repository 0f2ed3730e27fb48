// SPEC §11: per-tenant rate limits. The GCRA on an injected clock (ms): burst, refill, Retry-After,
// RateLimit-Reset, and the in-process adapter keeping tenants apart.
import { describe, expect, it } from 'vitest';
import { type GcraState, type RateDecision, type RatePolicy, decisionOf, gcra, idle } from '../../src/rateLimit/gcra.js';
import { createMemoryRateLimiter } from '../../src/rateLimit/memory.js';

/** Runs `count` requests of one key at `now`, starting from `state`; returns the decisions and the last state. */
function burst(policy: RatePolicy, count: number, now: number, state?: GcraState): { decisions: RateDecision[]; state: GcraState | undefined } {
  const decisions: RateDecision[] = [];
  for (let i = 0; i < count; i++) {
    const step = gcra(policy, state, now);
    state = step.state;
    decisions.push(step.decision);
  }
  return { decisions, state };
}

describe('a burst', () => {
  const policy = { perSecond: 1, burst: 5 };

  it('allows exactly the burst at once, counting Remaining down to 0', () => {
    const { decisions } = burst(policy, 7, 1_000);
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, false, false]);
    expect(decisions.map((d) => d.remaining)).toEqual([4, 3, 2, 1, 0, 0, 0]);
    expect(decisions.every((d) => d.limit === 5)).toBe(true);
  });

  it('allows a full burst at high rates too, despite fractional intervals', () => {
    for (const perSecond of [3, 7, 1000, 333_333, 1_000_000]) {
      const { decisions } = burst({ perSecond, burst: 1000 }, 1001, 123_456.789);
      expect(decisions.filter((d) => d.allowed)).toHaveLength(1000);
      expect(decisions[999]).toMatchObject({ allowed: true, remaining: 0 });
      expect(decisions[1000]!.allowed).toBe(false);
    }
  });

  it('allows one request at a time with a burst of 1', () => {
    const { decisions } = burst({ perSecond: 2, burst: 1 }, 2, 0);
    expect(decisions.map((d) => d.allowed)).toEqual([true, false]);
  });
});

describe('refill', () => {
  const policy = { perSecond: 2, burst: 4 };

  it('gives back one request per interval, never more than the burst', () => {
    const spent = burst(policy, 4, 0).state;
    expect(gcra(policy, spent, 0).decision.allowed).toBe(false);
    expect(gcra(policy, spent, 499).decision.allowed).toBe(false);
    const half = gcra(policy, spent, 500);
    expect(half.decision).toMatchObject({ allowed: true, remaining: 0 });
    expect(burst(policy, 3, 1_500, half.state).decisions.map((d) => d.allowed)).toEqual([true, true, false]);
  });

  it('forgets everything after a long idle: a full burst again, no credit beyond it', () => {
    const spent = burst(policy, 4, 0).state;
    const later = burst(policy, 6, 3_600_000, spent).decisions;
    expect(later.map((d) => d.allowed)).toEqual([true, true, true, true, false, false]);
  });

  it('counts a key idle, safe to forget, once its whole burst is back', () => {
    const spent = burst(policy, 4, 0).state!;
    expect(idle(policy, spent, 1_999)).toBe(false);
    expect(idle(policy, spent, 2_000)).toBe(true);
  });

  it('does not charge refused requests', () => {
    let { state } = burst(policy, 4, 0);
    for (let i = 0; i < 100; i++) state = gcra(policy, state, 100).state;
    expect(gcra(policy, state, 500).decision.allowed).toBe(true);
  });
});

describe('Retry-After and RateLimit-Reset', () => {
  it('tells a refused request when one interval will have passed, in whole seconds, at least 1', () => {
    const slow = { perSecond: 0.25 as number, burst: 2 };
    const { decisions } = burst({ ...slow, perSecond: 1 }, 3, 0);
    expect(decisions[2]).toMatchObject({ allowed: false, retryAfterSeconds: 1, remaining: 0 });
    // Every 4 s: the next request fits 4 s after the burst was spent.
    expect(burst(slow, 3, 0).decisions[2]).toMatchObject({ allowed: false, retryAfterSeconds: 4 });
    // 10/s: the wait is 100 ms, still announced as 1 s.
    expect(burst({ perSecond: 10, burst: 2 }, 3, 0).decisions[2]!.retryAfterSeconds).toBe(1);
  });

  it('counts the wait down as time passes', () => {
    const policy = { perSecond: 0.1, burst: 1 };
    const { state } = burst(policy, 1, 0);
    expect(gcra(policy, state, 0).decision.retryAfterSeconds).toBe(10);
    expect(gcra(policy, state, 2_500).decision.retryAfterSeconds).toBe(8);
    expect(gcra(policy, state, 9_999).decision.retryAfterSeconds).toBe(1);
    expect(gcra(policy, state, 10_000).decision.allowed).toBe(true);
  });

  it('announces 0 Retry-After for an allowed request', () => {
    expect(gcra({ perSecond: 1, burst: 1 }, undefined, 0).decision.retryAfterSeconds).toBe(0);
  });

  it('reports Reset as the seconds until the full burst is back', () => {
    const policy = { perSecond: 1, burst: 20 };
    const { decisions, state } = burst(policy, 5, 0);
    expect(decisions.map((d) => d.resetSeconds)).toEqual([1, 2, 3, 4, 5]);
    expect(gcra(policy, state, 2_500).decision.resetSeconds).toBe(4); // 2.5 s left, plus this request's second
    expect(burst({ perSecond: 4, burst: 8 }, 8, 0).decisions.map((d) => d.resetSeconds)).toEqual([1, 1, 1, 1, 2, 2, 2, 2]);
  });

  it('reads the same from the intervals in use as the store adapter reports them', () => {
    const policy = { perSecond: 1, burst: 20 };
    expect(decisionOf(policy, true, 20)).toEqual({ allowed: true, limit: 20, remaining: 0, resetSeconds: 20, retryAfterSeconds: 0 });
    expect(decisionOf(policy, false, 19.5)).toEqual({ allowed: false, limit: 20, remaining: 0, resetSeconds: 20, retryAfterSeconds: 1 });
    expect(decisionOf(policy, true, 0.999999999999)).toMatchObject({ remaining: 19, resetSeconds: 1 });
  });
});

describe('the in-process limiter', () => {
  it('keeps each tenant to its own budget', async () => {
    let now = 0;
    const limiter = createMemoryRateLimiter({ perSecond: 1, burst: 2 }, () => now);
    const take = async (tenant: string) => (await limiter.take(tenant)).allowed;
    expect([await take('a'), await take('a'), await take('a')]).toEqual([true, true, false]);
    expect([await take('b'), await take('b')]).toEqual([true, true]);
    now = 1_000;
    expect([await take('a'), await take('a')]).toEqual([true, false]);
  });

  it('keeps the spent budget of a live tenant while idle ones are swept', async () => {
    let now = 0;
    const limiter = createMemoryRateLimiter({ perSecond: 1, burst: 1 }, () => now);
    expect((await limiter.take('busy')).allowed).toBe(true);
    now = 500;
    for (let i = 0; i < 25_000; i++) await limiter.take(`t${i}`);
    expect((await limiter.take('busy')).allowed).toBe(false);
  });
});
