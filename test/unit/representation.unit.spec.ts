// SPEC §5: If-Match headers, the opaque list cursor and a ticket's JSON, as the API reads and writes them.
import { describe, expect, it } from 'vitest';
import type { Ticket } from '../../src/domain/ticket.js';
import { ApiError } from '../../src/http/errors.js';
import { decodeCursor, encodeCursor, parseIfMatch, ticketResponse } from '../../src/http/representation.js';
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

describe('a ticket as a caller sees it', () => {
  const agent = { id: 'alice', roles: ['agent'] } as const;
  const customer = { id: 'bob', roles: ['customer'] } as const;

  it('carries the wire names of every field and the transitions this caller may fire', () => {
    const ticket = existing({ status: 'in_progress', assignee: 'alice' });
    const json = ticketResponse(ticket, agent);
    expect(json).toMatchObject({ id: ticket.id, created_by: ticket.createdBy, customer_tier: ticket.customerTier, assignee: 'alice', version: ticket.version });
    expect(json.enabled_transitions).toEqual(expect.arrayContaining(['resolve', 'escalate', 'request_info']));
    expect(ticketResponse(ticket, customer).enabled_transitions).toEqual([]);
  });
});
