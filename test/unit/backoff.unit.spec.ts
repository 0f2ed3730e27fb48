// SPEC §8: a failed message is retried with exponential backoff (100 ms base, ×2, 30 s cap, 5 retries).
import { describe, expect, it } from 'vitest';
import { isLastAttempt, maxDeliveries, retryDelayMs } from '../../src/consumers/backoff.js';

const policy = { baseMs: 100, maxMs: 30_000, maxRetries: 5 };

describe('retry backoff', () => {
  it('waits 100, 200, 400, 800 and 1600 ms after the first five failures', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, policy))).toEqual([100, 200, 400, 800, 1600]);
  });

  it('never waits longer than the cap', () => {
    expect(retryDelayMs(9, policy)).toBe(25_600);
    expect(retryDelayMs(10, policy)).toBe(30_000);
    expect(retryDelayMs(5000, policy)).toBe(30_000);
  });

  it('treats a nonsense delivery count as the first', () => {
    expect(retryDelayMs(0, policy)).toBe(100);
  });

  it('delivers a message at most 1 + 5 times, and the sixth failure is final', () => {
    expect(maxDeliveries(policy)).toBe(6);
    expect([1, 2, 3, 4, 5, 6].map((n) => isLastAttempt(n, policy))).toEqual([false, false, false, false, false, true]);
  });

  it('makes the first failure final when no retries are configured', () => {
    expect(isLastAttempt(1, { maxRetries: 0 })).toBe(true);
  });
});
