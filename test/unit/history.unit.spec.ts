// SPEC §7 event sourcing: a ticket's state at a version or an instant is the fold of its events.
import { describe, expect, it } from 'vitest';
import { type HistoricEvent, parsePointInTime, ticketAt } from '../../src/domain/history.js';
import { existing } from '../support/tickets.js';

const at = (minute: number) => `2025-03-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
const v1 = existing({ version: 1, title: 'one' });
const v2 = existing({ version: 2, title: 'two' });
const v3 = existing({ version: 3, title: 'three', status: 'assigned' });
const events: HistoricEvent[] = [
  { action: 'created', occurredAt: at(0), ticket: v1 },
  { action: 'read', occurredAt: at(1), ticket: v1 },
  { action: 'updated', occurredAt: at(2), ticket: v2 },
  { action: 'notification_requested', occurredAt: at(2), ticket: v2 },
  { action: 'transitioned', occurredAt: at(4), ticket: v3 },
];

describe('the state of a ticket at a point in its life', () => {
  it('is the latest state at or before a version', () => {
    expect(ticketAt(events, { version: 1 })).toBe(v1);
    expect(ticketAt(events, { version: 2 })).toBe(v2);
    expect(ticketAt(events, { version: 99 })).toBe(v3);
  });

  it('is the latest state at or before an instant', () => {
    expect(ticketAt(events, { at: Date.parse(at(0)) })).toBe(v1);
    expect(ticketAt(events, { at: Date.parse(at(3)) })).toBe(v2);
    expect(ticketAt(events, { at: Date.parse(at(4)) })).toBe(v3);
  });

  it('does not exist before it was created, nor after it was deleted', () => {
    expect(ticketAt(events, { at: Date.parse('2025-03-01T09:59:59.999Z') })).toBeUndefined();
    const deleted = [...events, { action: 'deleted' as const, occurredAt: at(5), ticket: existing({ version: 4 }) }];
    expect(ticketAt(deleted)).toBeUndefined();
    expect(ticketAt(deleted, { version: 3 })).toBe(v3);
  });

  it('ignores events that only observe the ticket', () => {
    expect(ticketAt([{ action: 'read', occurredAt: at(0), ticket: v1 }])).toBeUndefined();
    expect(ticketAt([{ action: 'listed', occurredAt: at(0), ticket: null }])).toBeUndefined();
  });
});

describe('reading ?at=', () => {
  it.each([
    ['3', { version: 3 }],
    ['2025-03-01T10:02:00Z', { at: Date.parse('2025-03-01T10:02:00Z') }],
    ['2025-03-01T11:02:00.123456+01:00', { at: Date.parse('2025-03-01T10:02:00.123Z') }],
  ])('reads %s', (text, expected) => {
    expect(parsePointInTime(text)).toEqual(expected);
  });

  it.each(['0', '-1', '1.5', 'yesterday', '2025-03-01', '2025-03-01T10:02:00', '2025-13-01T10:02:00Z', ''])('refuses %j', (text) => {
    expect(parsePointInTime(text)).toBeUndefined();
  });
});
