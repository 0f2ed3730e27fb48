// A ticket's events as the caller may see them: 404 when the tenant never had the ticket or the
// caller may not see it (a customer, someone else's ticket).
import { type Principal, canSee } from '../domain/roles.js';
import { decodePayload } from '../events/record.js';
import type { StoredEvent, TicketStore } from '../store/port.js';
import { ApiError } from './errors.js';

export async function visibleHistory(store: TicketStore, tenant: string, id: string, principal: Principal): Promise<StoredEvent[]> {
  const events = await store.history(tenant, id);
  // A customer's right to see follows the ticket as it stood last (its customer_id may change).
  const last = events && lastState(events);
  if (!events || !last || !canSee(principal, last)) throw new ApiError(404, 'not_found', 'ticket not found');
  return events;
}

/** The ticket's last recorded state (also of a deleted ticket, so its history stays visible to whoever could see it). */
function lastState(events: StoredEvent[]) {
  for (let i = events.length - 1; i >= 0; i--) {
    const ticket = decodePayload(events[i]!.payload).ticket;
    if (ticket) return ticket;
  }
  return undefined;
}
