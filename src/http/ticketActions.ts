// What creating and reading a ticket do once the request is parsed: decide with the domain, commit
// through the store, refuse in API errors. Shared by the Hono routes and the hot routes.
import type { z } from '@hono/zod-openapi';
import { createTicket, readTicket, type CommandContext, type Ticket } from '../domain/ticket.js';
import type { IdempotencyClaim, TicketStore } from '../store/port.js';
import { ApiError, refusalError } from './errors.js';
import type { CreateTicketBody } from './schemas.js';

export type CreateBody = z.infer<typeof CreateTicketBody>;

/** Creates the ticket (or replays the first response to its Idempotency-Key). */
export async function createFromBody(
  store: TicketStore,
  body: CreateBody,
  command: CommandContext,
  claim?: IdempotencyClaim,
): Promise<{ ticket: Ticket; replayed: boolean }> {
  const input = {
    title: body.title,
    description: body.description ?? undefined,
    createdBy: body.created_by,
    type: body.type,
    priority: body.priority,
    customerId: body.customer_id,
    customerTier: body.customer_tier,
    tags: body.tags,
    externalId: body.external_id,
  };
  const outcome = await store.create(command.tenant, () => createTicket(input, command), claim);
  if ('ok' in outcome) throw refusalError(outcome);
  if (outcome.kind === 'key_reused') {
    throw new ApiError(409, 'idempotency_key_reused', 'this Idempotency-Key was already used with a different body', {
      'Idempotency-Key': 'already used with a different request body',
    });
  }
  return { ticket: outcome.ticket, replayed: outcome.kind === 'replayed' };
}

/** The ticket as it is now, its `read` event committed; 404 when the caller may not see it. */
export async function readCurrent(store: TicketStore, id: string, command: CommandContext): Promise<Ticket> {
  const outcome = await store.change(command.tenant, id, (t) => readTicket(t, command));
  if ('ok' in outcome) throw refusalError(outcome);
  return outcome.ticket;
}
