// Each tenant's request budget (RATE_LIMIT_PER_TENANT): one take() per /api request, the
// RateLimit-* headers on every answer, 429 rate_limited with Retry-After once it is spent.
import type { MiddlewareHandler } from 'hono';
import type { RateLimiter } from '../../rateLimit/port.js';
import type { AppEnv } from '../env.js';
import { ApiError, errorResponse } from '../errors.js';

export function rateLimit(limiter: RateLimiter): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const decision = await limiter.take(c.get('tenant'));
    // Set before the answer is made, as observe.ts does, so the response is not rebuilt.
    c.header('RateLimit-Limit', String(decision.limit));
    c.header('RateLimit-Remaining', String(decision.remaining));
    c.header('RateLimit-Reset', String(decision.resetSeconds));
    if (!decision.allowed) {
      c.header('Retry-After', String(decision.retryAfterSeconds));
      return errorResponse(c, new ApiError(429, 'rate_limited', `this tenant's request rate limit is spent; retry in ${decision.retryAfterSeconds} s`));
    }
    return next();
  };
}
