// When a failed message is tried again: exponential backoff from the delivery count JetStream
// reports. A consumer's `backoff` list only spaces ack timeouts, so the delay rides on nak(delay).

export type RetryPolicy = { baseMs: number; maxMs: number; maxRetries: number };

/** The delay before the next attempt after attempt `deliveryCount` (1-based) failed: base × 2^(n−1), capped. */
export function retryDelayMs(deliveryCount: number, { baseMs, maxMs }: Pick<RetryPolicy, 'baseMs' | 'maxMs'>): number {
  const exponent = Math.max(0, deliveryCount - 1);
  // 2^exponent overflows to Infinity long after the cap; Math.min keeps it finite.
  return Math.min(maxMs, baseMs * 2 ** exponent);
}

/** JetStream's max_deliver: the first attempt plus the retries. */
export const maxDeliveries = ({ maxRetries }: Pick<RetryPolicy, 'maxRetries'>): number => maxRetries + 1;

/** Whether a failure of attempt `deliveryCount` is final (the message then goes to the dead-letter stream). */
export const isLastAttempt = (deliveryCount: number, policy: Pick<RetryPolicy, 'maxRetries'>): boolean => deliveryCount >= maxDeliveries(policy);
