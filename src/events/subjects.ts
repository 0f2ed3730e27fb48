// The event contract's addressing: subjects and schema names per action (SPEC §7).
import type { EventAction } from '../domain/events.js';

/** The subjects TICKET_EVENTS captures; one tenant token in front of each. */
export const STREAM_SUBJECTS = ['*.ticket.ticket.event.*', '*.notification.notification.event.requested'] as const;

export function subjectFor(tenant: string, action: EventAction): string {
  return action === 'notification_requested' ? `${tenant}.notification.notification.event.requested` : `${tenant}.ticket.ticket.event.${action}`;
}

export function schemaFor(action: EventAction): string {
  return action === 'notification_requested' ? 'notification.event.requested@v1' : `ticket.event.${action}@v1`;
}
