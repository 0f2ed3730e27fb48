// The domain events a decision raises: what happened and who did it. The command handler gives
// each its id, time and correlation id when it commits them.
import type { Attachment, Comment, Ticket } from './ticket.js';
import type { SlaMetricEvent } from './slaMetrics.js';
import type { Place, TransitionName } from './workflow.js';

export const TICKET_ACTIONS = ['created', 'updated', 'deleted', 'read', 'listed', 'transitioned', 'sla_changed', 'commented', 'attachment_added'] as const;
export type TicketAction = (typeof TICKET_ACTIONS)[number];
export type EventAction = TicketAction | 'notification_requested';

export type DomainEvent =
  | { action: 'created' | 'updated' | 'deleted' | 'read'; ticket: Ticket; changedFields: string[]; actor: string }
  | {
      action: 'transitioned';
      ticket: Ticket;
      changedFields: string[];
      actor: string;
      transition: { name: TransitionName; from: Place; to: Place; comment: string };
    }
  | { action: 'commented'; ticket: Ticket; changedFields: string[]; actor: string; comment: Comment }
  | { action: 'attachment_added'; ticket: Ticket; changedFields: string[]; actor: string; attachment: Attachment }
  | {
      action: 'sla_changed';
      ticket: Ticket;
      changedFields: string[];
      actor: string;
      /**
       * The SLA state before and after, each threshold crossed (`response_alert`, `resolution_breach`, ...)
       * and the metric event this is (SPEC §12).
       */
      slaChange: SlaChange;
    }
  | { action: 'notification_requested'; ticket: Ticket; actor: string; notification: { reason: string; keywords: string[] } }
  | { action: 'listed'; actor: string; listing: { count: number; query: string } };

export type SlaChange = { from: string; to: string; crossed: string[]; metric?: SlaMetricEvent | undefined };

/** Actions that change the stored ticket; the others (read, listed, notification requests) only observe it. */
export const STATE_CHANGING_ACTIONS: ReadonlySet<EventAction> = new Set([
  'created',
  'updated',
  'transitioned',
  'sla_changed',
  'commented',
  'attachment_added',
  'deleted',
]);
