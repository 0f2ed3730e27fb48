// How long a stream took to take in its messages, read from the server's own first/last message timestamps.
import type { StreamState } from '@nats-io/jetstream';

/** Seconds from the first to the last stored message, with the server's sub-millisecond precision. */
export function streamSpanSeconds(state: Pick<StreamState, 'first_ts' | 'last_ts'>): number {
  return epochSeconds(state.last_ts) - epochSeconds(state.first_ts);
}

// Date.parse drops everything below the millisecond; the server stamps nanoseconds.
function epochSeconds(iso: string): number {
  const match = /^(.+T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(iso);
  if (!match) throw new Error(`not an RFC 3339 timestamp: ${iso}`);
  const whole = Date.parse(`${match[1]}${match[3]}`) / 1000;
  return whole + (match[2] ? Number(`0.${match[2]}`) : 0);
}
