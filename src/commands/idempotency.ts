// Idempotency-Key on create: the claim a request makes, and what an earlier live claim means for it.
import type { Refusal } from '../domain/decision.js';
import type { Ticket } from '../domain/ticket.js';
import type { PriorClaim } from '../store/port.js';

export type IdempotencyClaim = {
  key: string;
  /** Hash of the request body: the same key with another body is refused. */
  fingerprint: string;
  /** Claims created before this instant have expired and no longer replay. */
  notBefore: string;
};

export type CreateOutcome = { kind: 'created'; ticket: Ticket } | { kind: 'replayed'; ticket: Ticket } | { kind: 'key_reused' } | Refusal;

export function outcomeOfPriorClaim(prior: PriorClaim, claim: IdempotencyClaim): CreateOutcome {
  return prior.fingerprint === claim.fingerprint ? { kind: 'replayed', ticket: JSON.parse(prior.response) as Ticket } : { kind: 'key_reused' };
}
