// The in-process rate limiter: each tenant's GCRA state in a map, on a monotonic clock.
import { type GcraState, type RatePolicy, gcra, idle } from './gcra.js';
import type { RateLimiter } from './port.js';

/** Idle tenants (full burst again) are swept once the map holds this many, so unknown tenants cannot grow it forever. */
const SWEEP_FROM = 10_000;

export function createMemoryRateLimiter(policy: RatePolicy, now: () => number = () => performance.now()): RateLimiter {
  const states = new Map<string, GcraState>();
  let sweepAt = SWEEP_FROM;
  return {
    take(tenant) {
      const at = now();
      const { state, decision } = gcra(policy, states.get(tenant), at);
      states.set(tenant, state);
      if (states.size >= sweepAt) {
        for (const [key, value] of states) if (idle(policy, value, at)) states.delete(key);
        sweepAt = Math.max(SWEEP_FROM, states.size * 2);
      }
      return Promise.resolve(decision);
    },
    close: () => Promise.resolve(),
  };
}
