// Browsers cannot set headers on a WebSocket handshake, so they cannot send the tenant header or a
// bearer token to /alerts/ws. Instead they ask POST /alerts/ticket (an ordinary /api request, with
// its tenant and identity checked) for a short-lived ticket and open `/alerts/ws?ticket=…`. A
// ticket is the tenant and caller it was issued to, and its expiry, signed with HMAC-SHA256; any
// process holding the same secret (API workers, replicas sharing LIVE_TICKET_SECRET) redeems it.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Principal, isRole } from '../domain/roles.js';
import { TENANT_ID } from './middleware/tenancy.js';

export type LiveTickets = {
  issue(tenant: string, principal: Principal, now: Date): { ticket: string; expiresAt: string };
  /** The tenant and caller of a genuine ticket that has not expired; undefined for any other string. */
  redeem(ticket: string, now: Date): { tenant: string; principal: Principal } | undefined;
};

type Claims = { t: string; u: string; r: string[]; e: number };

export function createLiveTickets(secret: string, ttlMs: number): LiveTickets {
  const sign = (payload: string) => createHmac('sha256', secret).update(payload).digest();
  return {
    issue(tenant, principal, now) {
      const expires = now.getTime() + ttlMs;
      const claims: Claims = { t: tenant, u: principal.id, r: [...principal.roles], e: expires };
      const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
      return { ticket: `${payload}.${sign(payload).toString('base64url')}`, expiresAt: new Date(expires).toISOString() };
    },
    redeem(ticket, now) {
      const [payload, signature, ...rest] = ticket.split('.');
      if (!payload || !signature || rest.length > 0) return undefined;
      const given = Buffer.from(signature, 'base64url');
      const expected = sign(payload);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      let claims: Claims;
      try {
        claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Claims;
      } catch {
        return undefined;
      }
      if (typeof claims.e !== 'number' || claims.e <= now.getTime()) return undefined;
      const roles = Array.isArray(claims.r) ? claims.r.filter(isRole) : [];
      // Checked again as the headers would be, should the secret ever sign something else.
      if (typeof claims.t !== 'string' || !TENANT_ID.test(claims.t) || typeof claims.u !== 'string' || claims.u.length === 0 || roles.length === 0)
        return undefined;
      return { tenant: claims.t, principal: { id: claims.u, roles } };
    },
  };
}
