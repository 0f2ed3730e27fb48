// `ticket-svc replay`: the tickets table is a projection of the events table, so it can be
// thrown away and rebuilt from the events alone.
import { ticketAt } from '../domain/history.js';
import type { Ticket } from '../domain/ticket.js';
import type { StoredEvent, TicketStore } from '../store/port.js';
import { historicEvent } from './record.js';

/** One ticket's state from its events in commit order; undefined once deleted. */
export function rebuildTicket(events: readonly StoredEvent[]): Ticket | undefined {
  return ticketAt(events.map(historicEvent));
}

export function replayTickets(store: TicketStore): Promise<{ tickets: number; events: number }> {
  return store.rebuildTickets((events) => rebuildTicket(events));
}
