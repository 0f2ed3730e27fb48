// The rate-limit port: one take() per /api request, answered in the process (SQLite: one process
// per file) or by the PostgreSQL store (replicas share one budget per tenant).
import type { RateDecision } from './gcra.js';

export type RateLimiter = {
  /** Spends one request of the tenant's budget if one is left, and says what is left. */
  take(tenant: string): Promise<RateDecision>;
  close(): Promise<void>;
};
