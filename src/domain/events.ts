// The domain events a decision raises, before they are given ids and encoded for the wire.
import type { CommandContext, Ticket } from './ticket.js';

export const TICKET_ACTIONS = ['created', 'updated', 'deleted', 'read', 'listed'] as const;
export type TicketAction = (typeof TICKET_ACTIONS)[number];
export type EventAction = TicketAction | 'notification_requested';

export type DomainEvent =
  | { action: 'created' | 'updated' | 'deleted' | 'read'; ticket: Ticket; changedFields: string[]; ctx: CommandContext }
  | { action: 'notification_requested'; ticket: Ticket; ctx: CommandContext; notification: { reason: string; keywords: string[] } }
  | { action: 'listed'; ctx: CommandContext; listing: { count: number; query: string } };
