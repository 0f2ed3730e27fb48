// The generic cell rate algorithm (GCRA), pure: a key's state and the clock in, the answer and the
// next state out. A few numbers per key, no timers, no refill loop.
//
// Each allowed request pushes the key's theoretical arrival time (tat) one interval (1 / perSecond)
// into the future, starting from now when the key is idle. A request is allowed while the tat it
// would leave lies at most `burst` intervals ahead of now: `burst` requests at once, then one per
// interval.

/** A tenant's budget: `perSecond` sustained, `burst` at once. */
export type RatePolicy = { perSecond: number; burst: number };

/** What one request learns: whether it may go on, and the RateLimit-* header values. */
export type RateDecision = {
  allowed: boolean;
  /** RateLimit-Limit: the burst. */
  limit: number;
  /** RateLimit-Remaining: whole requests that may follow at once. */
  remaining: number;
  /** RateLimit-Reset: whole seconds until the full burst is available again. */
  resetSeconds: number;
  /** Retry-After for a refused request (≥ 1); 0 when allowed. */
  retryAfterSeconds: number;
};

/** Floating-point noise, in intervals: a full burst taken at one instant is still a full burst. */
const SLACK = 1e-9;

/** Milliseconds between two requests at the sustained rate (GCRA's emission interval). */
export const intervalMs = (policy: RatePolicy): number => 1000 / policy.perSecond;

/**
 * A key's tat, kept as how many intervals (`used`) it lies past the key's last request (`at`, ms):
 * relative, so float precision does not depend on the clock's magnitude at high rates.
 */
export type GcraState = { at: number; used: number };

/** One request for a key in `state` (undefined: never seen) at `now` (ms, the clock `state` was made on). */
export function gcra(policy: RatePolicy, state: GcraState | undefined, now: number): { state: GcraState; decision: RateDecision } {
  const used = state ? Math.max(0, state.used - Math.max(0, now - state.at) / intervalMs(policy)) : 0;
  const allowed = used + 1 <= policy.burst + SLACK;
  const after = allowed ? used + 1 : used;
  return { state: { at: now, used: after }, decision: decisionOf(policy, allowed, after) };
}

/** Whether a key in `state` has its full burst again at `now`, so forgetting it changes nothing. */
export const idle = (policy: RatePolicy, state: GcraState, now: number): boolean => state.at + state.used * intervalMs(policy) <= now;

/**
 * The answer for a request, from how many intervals of the burst are in use after it (the tat's
 * distance from now, in intervals). The store adapter computes that in SQL and asks here.
 */
export function decisionOf(policy: RatePolicy, allowed: boolean, used: number): RateDecision {
  const interval = intervalMs(policy);
  const seconds = (intervals: number) => Math.max(0, Math.ceil((intervals * interval) / 1000 - SLACK));
  return {
    allowed,
    limit: policy.burst,
    remaining: Math.max(0, Math.floor(policy.burst - used + SLACK)),
    resetSeconds: seconds(used),
    retryAfterSeconds: allowed ? 0 : Math.max(1, seconds(used + 1 - policy.burst)),
  };
}

/** The answer while the shared budget cannot be read: the request goes on (fail open). */
export const unlimited = (policy: RatePolicy): RateDecision => ({
  allowed: true,
  limit: policy.burst,
  remaining: policy.burst,
  resetSeconds: 0,
  retryAfterSeconds: 0,
});
