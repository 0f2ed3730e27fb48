// Event sourcing: a ticket's state is the fold of its state-changing events. Time travel stops
// the fold at a version or an instant; replay folds everything.
import { type EventAction, STATE_CHANGING_ACTIONS } from './events.js';
import type { Ticket } from './ticket.js';

/** One stored event as the fold needs it: what happened, when, and the ticket it left behind. */
export type HistoricEvent = { action: EventAction; occurredAt: string; ticket: Ticket | null };

/** A point in a ticket's life: a version number or an instant (epoch milliseconds). */
export type PointInTime = { version: number } | { at: number };

/**
 * The ticket as it stood at `point` (the latest state whose version / time is not past it), or
 * undefined when it did not exist then (not yet created, or deleted).
 */
export function ticketAt(events: readonly HistoricEvent[], point?: PointInTime): Ticket | undefined {
  let state: Ticket | undefined;
  for (const event of events) {
    const ticket = event.ticket;
    if (!STATE_CHANGING_ACTIONS.has(event.action) || !ticket) continue;
    if (point && isPast(ticket, event.occurredAt, point)) break;
    state = event.action === 'deleted' ? undefined : ticket;
  }
  return state;
}

function isPast(ticket: Ticket, occurredAt: string, point: PointInTime): boolean {
  return 'version' in point ? ticket.version > point.version : Date.parse(occurredAt) > point.at;
}

/** Reads `?at=`: a positive version number or an RFC 3339 timestamp with a zone. */
export function parsePointInTime(text: string): PointInTime | undefined {
  if (/^\d{1,15}$/.test(text)) {
    const version = Number(text);
    return version >= 1 ? { version } : undefined;
  }
  if (!/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/.test(text)) return undefined;
  const at = Date.parse(text.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(at) ? undefined : { at };
}
