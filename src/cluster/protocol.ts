// What the primary and its API workers ask each other.
import type { Registry } from 'prom-client';
import type { RateDecision } from '../rateLimit/gcra.js';
import type { WriteResult } from '../store/sqlite/writeBatch.js';
import type { SharedWrites } from '../store/sqlite/writer.js';

/** A registry's metrics as JSON, to be summed with the others'. */
export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

export type Readiness = { ok: boolean; checks: Record<string, string> };

/** Answered by the primary. */
export type PrimaryMethods = {
  /** SQLite: the worker's writes, through the one writer. */
  writes(writes: SharedWrites): Promise<WriteResult[]>;
  /** SQLite with rate limits: one request of the tenant's budget, shared by every worker. */
  rateTake(tenant: string): Promise<RateDecision>;
  /** Readiness of the whole process group. */
  ready(payload: null): Promise<Readiness>;
  /** `/metrics` of the whole process group. */
  metrics(payload: null): Promise<string>;
  /** The worker listens on this port. */
  listening(port: number): void;
};

/** Answered by each worker. */
export type WorkerMethods = {
  ready(payload: null): Promise<Readiness>;
  metrics(payload: null): Promise<MetricsJson>;
};
