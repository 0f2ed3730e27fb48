// A WebSocket handshake to /alerts/ws may carry `?ticket=` (from POST /alerts/ticket) instead of
// the tenant header and credentials, which browsers cannot set on a handshake. A genuine, unexpired
// ticket names the tenant and caller; tenancy and identity then take them as given.
import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../errors.js';
import type { AppEnv } from '../env.js';
import type { LiveTickets } from '../liveTickets.js';

export function liveTicketAuth(tickets: LiveTickets, tenantHeader: string, now: () => Date): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const ticket = c.req.query('ticket');
    if (ticket === undefined) return next();
    const redeemed = tickets.redeem(ticket, now());
    if (!redeemed)
      throw new ApiError(401, 'invalid_ticket', 'the live ticket is not genuine or has expired', { ticket: 'ask POST /api/v1/alerts/ticket for a new one' });
    const named = c.req.header(tenantHeader);
    if (named !== undefined && named !== redeemed.tenant) {
      throw new ApiError(403, 'tenant_mismatch', `the ticket was issued for another tenant than ${tenantHeader} names`, {
        [tenantHeader]: 'must be the ticket’s tenant',
      });
    }
    c.set('tenant', redeemed.tenant);
    c.set('principal', redeemed.principal);
    return next();
  };
}
