// How a decision's write lands on the tickets table, for any store: one switch, checked exhaustive.
import type { Write } from '../domain/decision.js';
import { ticketToRow } from './rows.js';
import type { TicketRow } from './schema.js';

export type TicketWrites<R> = {
  insert(row: TicketRow): R;
  update(row: TicketRow): R;
  delete(key: { tenant: string; id: string }): R;
  none(): R;
};

export function applyWrite<R>(write: Write, to: TicketWrites<R>): R {
  switch (write.kind) {
    case 'insert':
      return to.insert(ticketToRow(write.ticket));
    case 'update':
      return to.update(ticketToRow(write.ticket));
    case 'delete':
      return to.delete({ tenant: write.ticket.tenant, id: write.ticket.id });
    case 'none':
      return to.none();
    default: {
      const unreachable: never = write;
      throw new Error(`unhandled write ${JSON.stringify(unreachable)}`);
    }
  }
}
