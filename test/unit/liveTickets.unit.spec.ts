import { describe, expect, it } from 'vitest';
import { createLiveTickets } from '../../src/http/liveTickets.js';

const SECRET = 'a-secret-of-thirty-two-characters-or-more';
const at = (iso: string) => new Date(iso);
const agent = { id: 'dana', roles: ['agent', 'supervisor'] as const };

describe('live WebSocket tickets', () => {
  const tickets = createLiveTickets(SECRET, 60_000);

  it('names the tenant and caller they were issued to, until they expire', () => {
    const { ticket, expiresAt } = tickets.issue('acme', agent, at('2026-12-05T10:00:00Z'));
    expect(expiresAt).toBe('2026-12-05T10:01:00.000Z');
    expect(tickets.redeem(ticket, at('2026-12-05T10:00:59Z'))).toEqual({ tenant: 'acme', principal: { id: 'dana', roles: ['agent', 'supervisor'] } });
    expect(tickets.redeem(ticket, at('2026-12-05T10:01:00Z'))).toBeUndefined();
  });

  it('redeems only what was signed with the same secret, unaltered', () => {
    const { ticket } = tickets.issue('acme', agent, at('2026-12-05T10:00:00Z'));
    const now = at('2026-12-05T10:00:01Z');
    expect(createLiveTickets('another-secret-of-thirty-two-characters', 60_000).redeem(ticket, now)).toBeUndefined();
    const [payload, signature] = ticket.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { t: string };
    const otherTenant = Buffer.from(JSON.stringify({ ...claims, t: 'globex' })).toString('base64url');
    expect(tickets.redeem(`${otherTenant}.${signature}`, now)).toBeUndefined();
    for (const junk of ['', '.', 'x', `${payload}.`, `${payload}.${signature}.extra`, `${payload}.${signature.slice(1)}`]) {
      expect(tickets.redeem(junk, now)).toBeUndefined();
    }
  });
});
