// SPEC §5: If-Match headers, the opaque list cursor and a ticket's JSON, as the API reads and writes them.
import { describe, expect, it } from 'vitest';
import type { Ticket } from '../../src/domain/ticket.js';
import { ApiError } from '../../src/http/errors.js';
import { decodeCursor, encodeCursor, parseIfMatch, ticketResponse, ticketResponseText } from '../../src/http/representation.js';
import { existing } from '../support/tickets.js';

describe('reading If-Match', () => {
  it('has no precondition without the header', () => {
    expect(parseIfMatch(undefined)).toBeUndefined();
  });

  it("matches any version for '*'", () => {
    expect(parseIfMatch('*')).toEqual({ versions: 'any', raw: '*' });
    expect(parseIfMatch(' * ')).toEqual({ versions: 'any', raw: '*' });
  });

  it.each([
    ['"3"', [3]],
    ['W/"3"', [3]],
    ['3', [3]],
    ['"1", "3"', [1, 3]],
    ['"1",W/"2" , 3', [1, 2, 3]],
  ])('reads %s as versions %j', (header, versions) => {
    expect(parseIfMatch(header)).toEqual({ versions, raw: header.trim() });
  });

  it.each(['garbage', '"abc"', '"-1"', '"3.0"', '"1234567890123456"', ''])('reads %j as naming no version, so it matches none', (header) => {
    expect(parseIfMatch(header)).toEqual({ versions: [], raw: header });
  });

  it('keeps the versions it can read from a list with garbage in it', () => {
    expect(parseIfMatch('"2", nonsense, "5"')).toEqual({ versions: [2, 5], raw: '"2", nonsense, "5"' });
  });
});

describe('the list cursor', () => {
  const last = { id: '0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', updatedAt: '2025-01-02T10:30:00.000Z' } as Ticket;

  it('brings back where the previous page ended', () => {
    expect(decodeCursor(encodeCursor(last))).toEqual({ updatedAt: last.updatedAt, id: last.id });
  });

  it('is opaque and safe in a query string', () => {
    const cursor = encodeCursor(last);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain(last.id);
  });

  const garbage = [
    'not-a-cursor!',
    '',
    Buffer.from('{"updatedAt":"x","id":"y"}').toString('base64url'),
    Buffer.from('["only-one"]').toString('base64url'),
    Buffer.from('[1, 2]').toString('base64url'),
    Buffer.from('["a","b","c"]').toString('base64url'),
  ];

  it.each(garbage)('refuses %j with 400 invalid_cursor naming the cursor', (cursor) => {
    let thrown: unknown;
    try {
      decodeCursor(cursor);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ApiError);
    expect(thrown).toMatchObject({ status: 400, code: 'invalid_cursor', fields: { cursor: expect.any(String) } });
  });
});

describe('a ticket\'s JSON text, kept per ticket version for GETs', () => {
  const agent = { id: 'alice', roles: ['agent'] } as const;
  const customer = { id: 'bob', roles: ['customer'] } as const;
  const admin = { id: 'root', roles: ['admin', 'agent'] } as const;

  it('is the ticket response as JSON, for each caller in turn, whoever asked before (callers with other roles see other transitions)', () => {
    expect(ticketResponse(existing({ status: 'in_progress' }), agent).enabled_transitions).not.toEqual(ticketResponse(existing({ status: 'in_progress' }), customer).enabled_transitions);
    const ticket = existing({ status: 'in_progress', assignee: 'alice' });
    for (const principal of [agent, agent, customer, admin, agent, customer, customer]) {
      expect(ticketResponseText(ticket, principal)).toBe(JSON.stringify(ticketResponse(ticket, principal)));
    }
  });

  it('follows the ticket: a new version is a new object with a text of its own, whatever its status', () => {
    const v1 = existing({ status: 'new', title: 'Printer jams' });
    const v2 = { ...v1, title: 'Printer jams on floor 2', version: v1.version + 1 };
    expect(JSON.parse(ticketResponseText(v1, agent))).toMatchObject({ title: 'Printer jams', version: v1.version });
    expect(JSON.parse(ticketResponseText(v2, agent))).toMatchObject({ title: 'Printer jams on floor 2', version: v2.version });
    expect(ticketResponseText(v1, agent)).toBe(JSON.stringify(ticketResponse(v1, agent)));
  });
});
