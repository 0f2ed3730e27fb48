// What an earlier, still live claim on an Idempotency-Key means for a new request with that key.
import type { Ticket } from '../domain/ticket.js';
import type { CreateOutcome, IdempotencyClaim } from './port.js';

export function outcomeOfPriorClaim(prior: { fingerprint: string; response: string }, claim: IdempotencyClaim): CreateOutcome {
  return prior.fingerprint === claim.fingerprint ? { kind: 'replayed', ticket: JSON.parse(prior.response) as Ticket } : { kind: 'key_reused' };
}
