// Relay leadership: among replicas sharing one outbox, only the holder publishes.
// PostgreSQL provides it with an advisory lock (src/store/postgres/leadership.ts); a single
// SQLite file has one relay and needs none.

export type RelayLeadership = {
  /** Whether this process holds leadership right now. */
  held(): boolean;
  /** How many times this process has taken leadership: a change means another may have led in between. */
  term(): number;
  /** Settles once this process holds leadership (at once when it already does). */
  acquired(): Promise<void>;
  /** Gives leadership up (another replica takes over) and stops trying to take it. */
  stop(): Promise<void>;
};
