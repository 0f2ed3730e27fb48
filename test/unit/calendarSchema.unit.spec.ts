// SPEC "business hours": what a calendar may say, and that each mistake is reported at its field.
import type { z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { addBusinessMinutes, businessMinutesBetween, compileCalendar } from '../../src/domain/calendar.js';
import { ALWAYS_OPEN_SPEC, CalendarSchema, CalendarsSchema, calendarName } from '../../src/settings/calendarSchema.js';

const good = {
  timezone: 'Europe/Berlin',
  hours: {
    mon: [
      ['09:00', '12:00'],
      ['13:00', '17:00'],
    ],
    fri: [['09:00', '24:00']],
  },
  holidays: ['2026-12-25', '2026-12-26'],
};

/** Each issue of a failed parse as "path: message"; [] when it succeeded. */
function issues(schema: z.ZodType, input: unknown): string[] {
  const result = schema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}
const paths = (schema: z.ZodType, input: unknown) => issues(schema, input).map((i) => i.slice(0, i.indexOf(':')));
const withHours = (hours: unknown) => ({ ...good, hours });

describe('a calendar', () => {
  it('parses a good one, holidays defaulting to none', () => {
    expect(CalendarSchema.parse(good)).toEqual(good);
    const { holidays: _, ...noHolidays } = good;
    expect(CalendarSchema.parse(noHolidays).holidays).toEqual([]);
    expect(issues(CalendarSchema, { timezone: 'UTC', hours: { sun: [['00:00', '00:01']] } })).toEqual([]);
  });

  it('refuses an unknown time zone and offsets, at timezone', () => {
    for (const timezone of ['Mars/Olympus', '+02:00', 'UTC+2', '', 'Europe/Berlin '])
      expect(issues(CalendarSchema, { ...good, timezone })).toEqual([expect.stringMatching(/^timezone: unknown time zone/)]);
    expect(paths(CalendarSchema, { ...good, timezone: 'x'.repeat(65) })).toEqual(['timezone', 'timezone']);
  });

  it('refuses a time that is not HH:MM from 00:00 to 23:59, at the time', () => {
    expect(issues(CalendarSchema, withHours({ mon: [['25:00', '26:00']] }))).toEqual([
      expect.stringMatching(/^hours\.mon\.0\.0: a start time HH:MM/),
      expect.stringMatching(/^hours\.mon\.0\.1: an end time HH:MM/),
    ]);
    expect(paths(CalendarSchema, withHours({ tue: [['9:00', '17:00']] }))).toEqual(['hours.tue.0.0']);
    expect(paths(CalendarSchema, withHours({ tue: [['09:00', '17:60']] }))).toEqual(['hours.tue.0.1']);
  });

  it('takes 24:00 as an end only', () => {
    expect(issues(CalendarSchema, withHours({ wed: [['24:00', '24:00']] }))).toEqual([expect.stringMatching(/^hours\.wed\.0\.0: .*"24:00" only ends a range/)]);
    expect(issues(CalendarSchema, withHours({ wed: [['18:00', '24:00']] }))).toEqual([]);
  });

  it('refuses a range that does not start before it ends, at the range', () => {
    expect(issues(CalendarSchema, withHours({ thu: [['17:00', '09:00']] }))).toEqual(['hours.thu.0: a range starts before it ends']);
    expect(issues(CalendarSchema, withHours({ thu: [['09:00', '09:00']] }))).toEqual(['hours.thu.0: a range starts before it ends']);
    expect(paths(CalendarSchema, withHours({ thu: [['09:00']] }))).toEqual(['hours.thu.0']);
  });

  it('refuses overlapping ranges of a day, at the day; touching ones are fine', () => {
    expect(
      issues(
        CalendarSchema,
        withHours({
          fri: [
            ['13:00', '17:00'],
            ['09:00', '13:30'],
          ],
        }),
      ),
    ).toEqual(['hours.fri: ranges 09:00-13:30 and 13:00-17:00 overlap']);
    expect(
      issues(
        CalendarSchema,
        withHours({
          fri: [
            ['09:00', '13:00'],
            ['13:00', '17:00'],
          ],
        }),
      ),
    ).toEqual([]);
  });

  it('refuses a calendar that is never open, at hours', () => {
    expect(issues(CalendarSchema, withHours({}))).toEqual([expect.stringMatching(/^hours: never open/)]);
    expect(issues(CalendarSchema, withHours({ mon: [], sat: [] }))).toEqual([expect.stringMatching(/^hours: never open/)]);
  });

  it('refuses an unknown day or field', () => {
    expect(paths(CalendarSchema, withHours({ monday: [['09:00', '17:00']], mon: [['09:00', '17:00']] }))).toEqual(['hours']);
    expect(paths(CalendarSchema, { ...good, zone: 'UTC' })).toEqual(['']);
  });

  it('refuses a holiday that is not a real date YYYY-MM-DD, at the holiday', () => {
    expect(issues(CalendarSchema, { ...good, holidays: ['2026-12-24', '2026-02-30', '2026-1-1', '2027-02-29'] })).toEqual([
      expect.stringMatching(/^holidays\.1: no such day/),
      'holidays.2: a date YYYY-MM-DD',
      expect.stringMatching(/^holidays\.3: no such day/),
    ]);
    expect(issues(CalendarSchema, { ...good, holidays: ['2028-02-29', '2028-02-29'] })).toEqual([]);
  });

  it('allows at most 16 ranges a day and 1000 holidays', () => {
    const ranges = (n: number) => Array.from({ length: n }, (_, i) => [`${String(i).padStart(2, '0')}:00`, `${String(i).padStart(2, '0')}:30`]);
    expect(issues(CalendarSchema, withHours({ mon: ranges(16) }))).toEqual([]);
    expect(paths(CalendarSchema, withHours({ mon: ranges(17) }))).toEqual(['hours.mon']);
    const days = (n: number) => Array.from({ length: n }, (_, i) => new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10));
    expect(issues(CalendarSchema, { ...good, holidays: days(1000) })).toEqual([]);
    expect(paths(CalendarSchema, { ...good, holidays: days(1001) })).toEqual(['holidays']);
  });

  it('compiles whatever it accepts', () => {
    const cal = compileCalendar('office', CalendarSchema.parse(good));
    const friday = Date.parse('2026-03-06T08:00:00Z');
    expect(businessMinutesBetween(cal, friday, addBusinessMinutes(cal, friday, 600))).toBe(600);
  });
});

describe("a tenant's calendars", () => {
  it('names each calendar like an identifier', () => {
    expect(issues(CalendarsSchema, { calendars: { office: good, 'EU-support_2.0': good } })).toEqual([]);
    expect(issues(CalendarsSchema, { calendars: {} })).toEqual([]);
    for (const name of ['bad name', '-dash', '', 'x'.repeat(65), 'café'])
      expect(issues(CalendarsSchema, { calendars: { [name]: good } })).toEqual([expect.stringContaining(`calendars.${name}: a name of 1 to 64`)]);
  });

  it('refuses to redefine the built-in 24x7, at calendars.24x7', () => {
    expect(issues(CalendarsSchema, { calendars: { '24x7': good } })).toEqual(['calendars.24x7: 24x7 is built in and cannot be redefined']);
    expect(calendarName.safeParse('24x7').success).toBe(true);
  });

  it('reports a bad calendar at its name', () => {
    expect(paths(CalendarsSchema, { calendars: { office: { ...good, timezone: 'Nowhere/Land' }, shop: withHours({ sun: [['25:00', '26:00']] }) } })).toEqual([
      'calendars.office.timezone',
      'calendars.shop.hours.sun.0.0',
      'calendars.shop.hours.sun.0.1',
    ]);
  });

  it('allows at most 100 calendars and no other field', () => {
    const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`c${i}`, good]));
    expect(issues(CalendarsSchema, { calendars: many(100) })).toEqual([]);
    expect(issues(CalendarsSchema, { calendars: many(101) })).toEqual(['calendars: at most 100 calendars']);
    expect(paths(CalendarsSchema, { calendars: {}, extra: 1 })).toEqual(['']);
  });

  it('describes 24x7 as a calendar the schema itself would accept: every day, all day, in UTC', () => {
    expect(issues(CalendarSchema, ALWAYS_OPEN_SPEC)).toEqual([]);
    const cal = compileCalendar('copy', ALWAYS_OPEN_SPEC);
    const start = Date.parse('2026-03-06T16:50:00Z');
    expect(addBusinessMinutes(cal, start, 10_000)).toBe(start + 10_000 * 60_000);
  });
});
