// SPEC "business hours": business minutes in a calendar's zone, across weekends, holidays and DST
// changes, checked by worked examples and by properties over random weekly hours in odd zones.
import fc from 'fast-check';
import { DateTime, IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  ALWAYS_OPEN,
  ALWAYS_OPEN_NAME,
  type CalendarSpec,
  WEEKDAYS,
  type Weekday,
  addBusinessMinutes,
  businessMinutesBetween,
  compileCalendar,
  isEverOpen,
} from '../../src/domain/calendar.js';

const NY = 'America/New_York';
const BERLIN = 'Europe/Berlin';
const MINUTE = 60_000;
const DAY = 86_400_000;

type Range = readonly [string, string];
const every = (days: readonly Weekday[], ranges: readonly Range[]): CalendarSpec['hours'] => Object.fromEntries(days.map((d) => [d, ranges]));
const WEEKDAYS_ONLY = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;
const calendar = (timezone: string, hours: CalendarSpec['hours'], holidays: string[] = []) => compileCalendar('test', { timezone, hours, holidays });
const officeHours = (holidays: string[] = []) => calendar(NY, every(WEEKDAYS_ONLY, [['09:00', '17:00']]), holidays);

/** Epoch ms of a wall-clock time in a zone (unambiguous times only). */
const at = (wall: string, zone = NY) => DateTime.fromISO(wall, { zone }).toMillis();
/** The wall-clock time of an instant in a zone, to the minute. */
const wallOf = (ms: number, zone = NY) => DateTime.fromMillis(ms, { zone }).toFormat("yyyy-LL-dd'T'HH:mm");

describe('a New York office open Monday to Friday, 09:00-17:00', () => {
  it('carries a 30-minute target from Friday 16:50 over the weekend (and the DST change) to Monday 09:20', () => {
    const start = at('2026-03-06T16:50');
    const due = addBusinessMinutes(officeHours(), start, 30);
    expect(wallOf(due)).toBe('2026-03-09T09:20');
    expect(businessMinutesBetween(officeHours(), start, due)).toBe(30);
  });

  it('skips a holiday: with Monday off, the same target falls due on Tuesday 09:20', () => {
    expect(wallOf(addBusinessMinutes(officeHours(['2026-03-09']), at('2026-03-06T16:50'), 30))).toBe('2026-03-10T09:20');
  });

  it('starts counting at the next opening when a ticket arrives outside business hours', () => {
    const cal = officeHours();
    expect(wallOf(addBusinessMinutes(cal, at('2026-03-07T12:00'), 30))).toBe('2026-03-09T09:30');
    expect(wallOf(addBusinessMinutes(cal, at('2026-03-10T06:00'), 60))).toBe('2026-03-10T10:00');
    expect(wallOf(addBusinessMinutes(cal, at('2026-03-10T17:00'), 1))).toBe('2026-03-11T09:01');
  });

  it('takes 0 minutes as the first business instant at or after the start', () => {
    const cal = officeHours();
    expect(addBusinessMinutes(cal, at('2026-03-10T10:15'), 0)).toBe(at('2026-03-10T10:15'));
    expect(wallOf(addBusinessMinutes(cal, at('2026-03-06T17:00'), 0))).toBe('2026-03-09T09:00');
  });

  it('ends a target that uses up the day at the closing, not at the next opening', () => {
    expect(wallOf(addBusinessMinutes(officeHours(), at('2026-03-10T09:00'), 480))).toBe('2026-03-10T17:00');
  });

  it('takes fractions of minutes', () => {
    expect(addBusinessMinutes(officeHours(), at('2026-03-10T09:00'), 0.5)).toBe(at('2026-03-10T09:00') + 30_000);
    expect(businessMinutesBetween(officeHours(), at('2026-03-10T16:59:30'), at('2026-03-11T09:00:15'))).toBe(0.75);
  });

  it('counts only open time between two instants, and the reverse as negative', () => {
    const cal = officeHours();
    expect(businessMinutesBetween(cal, at('2026-03-06T16:00'), at('2026-03-09T10:00'))).toBe(120);
    expect(businessMinutesBetween(cal, at('2026-03-09T10:00'), at('2026-03-06T16:00'))).toBe(-120);
    expect(businessMinutesBetween(cal, at('2026-03-07T10:00'), at('2026-03-08T10:00'))).toBe(0);
    expect(businessMinutesBetween(cal, at('2026-03-09T10:00'), at('2026-03-09T10:00'))).toBe(0);
  });

  it('handles a year of business minutes', () => {
    const cal = officeHours(['2026-12-25', '2027-01-01']);
    const start = at('2026-03-06T16:50');
    const due = addBusinessMinutes(cal, start, 525_600);
    expect(wallOf(due)).toBe('2030-05-21T16:50');
    expect(businessMinutesBetween(cal, start, due)).toBeCloseTo(525_600, 6);
  });
});

describe('a day of several ranges', () => {
  const cal = calendar(
    NY,
    every(WEEKDAYS_ONLY, [
      ['09:00', '12:00'],
      ['13:00', '17:00'],
    ]),
  );

  it('pauses over lunch', () => {
    expect(wallOf(addBusinessMinutes(cal, at('2026-03-10T11:50'), 30))).toBe('2026-03-10T13:20');
    expect(wallOf(addBusinessMinutes(cal, at('2026-03-10T12:30'), 30))).toBe('2026-03-10T13:30');
    expect(businessMinutesBetween(cal, at('2026-03-10T11:00'), at('2026-03-10T14:00'))).toBe(120);
  });

  it('joins ranges that touch, so a target ends at a real closing', () => {
    const touching = calendar(NY, {
      mon: [
        ['13:00', '17:00'],
        ['09:00', '13:00'],
      ],
    });
    expect(wallOf(addBusinessMinutes(touching, at('2026-03-09T09:00'), 240))).toBe('2026-03-09T13:00');
    expect(wallOf(addBusinessMinutes(touching, at('2026-03-09T09:00'), 480))).toBe('2026-03-09T17:00');
  });
});

describe('a range ending at 24:00', () => {
  it('runs to midnight and on into the next day when that opens at 00:00', () => {
    const cal = calendar(NY, { mon: [['20:00', '24:00']], tue: [['00:00', '02:00']] });
    expect(wallOf(addBusinessMinutes(cal, at('2026-03-09T23:50'), 30))).toBe('2026-03-10T00:20');
    expect(businessMinutesBetween(cal, at('2026-03-09T00:00'), at('2026-03-11T00:00'))).toBe(360);
  });

  it('closes at midnight when the next day is closed', () => {
    const cal = calendar(NY, { mon: [['20:00', '24:00']] });
    expect(wallOf(addBusinessMinutes(cal, at('2026-03-09T23:50'), 10))).toBe('2026-03-10T00:00');
    expect(wallOf(addBusinessMinutes(cal, at('2026-03-09T23:50'), 30))).toBe('2026-03-16T20:20');
  });
});

describe('DST changes count real time', () => {
  const allWeek = (ranges: readonly Range[], zone: string) => calendar(zone, every(WEEKDAYS, ranges));

  it('gives a 09:00-17:00 day 8 real hours on both change days in New York and Berlin', () => {
    for (const [zone, day] of [
      [NY, '2026-03-08'],
      [NY, '2026-11-01'],
      [BERLIN, '2026-03-29'],
      [BERLIN, '2026-10-25'],
    ] as const) {
      const cal = allWeek([['09:00', '17:00']], zone);
      expect(businessMinutesBetween(cal, at(`${day}T00:00`, zone), at(`${day}T23:00`, zone))).toBe(480);
      expect(wallOf(addBusinessMinutes(cal, at(`${day}T00:00`, zone), 480), zone)).toBe(`${day}T17:00`);
    }
  });

  it('makes a whole day (00:00-24:00) 23 hours in spring and 25 in autumn', () => {
    for (const [zone, spring, autumn] of [
      [NY, '2026-03-08', '2026-11-01'],
      [BERLIN, '2026-03-29', '2026-10-25'],
    ] as const) {
      const cal = calendar(zone, { sun: [['00:00', '24:00']] });
      expect(businessMinutesBetween(cal, at(`${spring}T00:00`, zone), at(`${spring}T00:00`, zone) + 2 * DAY)).toBe(23 * 60);
      expect(businessMinutesBetween(cal, at(`${autumn}T00:00`, zone), at(`${autumn}T00:00`, zone) + 2 * DAY)).toBe(25 * 60);
      const sundayStart = at(`${spring}T00:00`, zone);
      expect(wallOf(addBusinessMinutes(cal, sundayStart, 23 * 60), zone)).toBe(wallOf(sundayStart + 23 * 60 * MINUTE, zone));
    }
  });

  it('counts only the real time of a range across the skipped hour', () => {
    // New York skips 02:00-03:00 on 2026-03-08; Berlin skips 02:00-03:00 on 2026-03-29.
    const ny = calendar(NY, { sun: [['01:00', '04:00']] });
    expect(businessMinutesBetween(ny, at('2026-03-08T00:00'), at('2026-03-08T12:00'))).toBe(120);
    expect(wallOf(addBusinessMinutes(ny, at('2026-03-08T00:00'), 90))).toBe('2026-03-08T03:30');
    const berlin = calendar(BERLIN, { sun: [['01:30', '03:30']] });
    expect(businessMinutesBetween(berlin, at('2026-03-29T00:00', BERLIN), at('2026-03-29T12:00', BERLIN))).toBe(60);
    expect(wallOf(addBusinessMinutes(berlin, at('2026-03-29T00:00', BERLIN), 30), BERLIN)).toBe('2026-03-29T03:00');
  });

  it('counts nothing for a range that lies inside the skipped hour', () => {
    const cal = calendar(NY, { sun: [['02:15', '02:45']] });
    expect(businessMinutesBetween(cal, at('2026-03-08T00:00'), at('2026-03-09T00:00'))).toBe(0);
    expect(wallOf(addBusinessMinutes(cal, at('2026-03-08T00:00'), 10))).toBe('2026-03-15T02:25');
  });

  it('runs a range ending at 24:00 on the eve of the change into the short day', () => {
    const cal = calendar(BERLIN, { sat: [['22:00', '24:00']], sun: [['00:00', '03:00']] });
    const saturday = at('2026-03-28T22:00', BERLIN);
    expect(businessMinutesBetween(cal, saturday, saturday + DAY)).toBe(240);
    expect(wallOf(addBusinessMinutes(cal, saturday, 239), BERLIN)).toBe('2026-03-29T01:59');
    expect(wallOf(addBusinessMinutes(cal, saturday, 240), BERLIN)).toBe('2026-03-29T03:00');
  });

  it('opens a range through the repeated hour the first time the clock shows its start, and counts the hour twice', () => {
    // New York repeats 01:00-02:00 on 2026-11-01 (EDT, then EST).
    const through = calendar(NY, { sun: [['00:30', '02:30']] });
    const sunday = at('2026-11-01T00:00');
    expect(businessMinutesBetween(through, sunday, sunday + DAY)).toBe(180);
    const inside = calendar(NY, { sun: [['01:00', '01:30']] });
    expect(businessMinutesBetween(inside, sunday, sunday + DAY)).toBe(30);
    expect(new Date(addBusinessMinutes(inside, sunday, 30)).toISOString()).toBe('2026-11-01T05:30:00.000Z');
  });
});

describe('24x7', () => {
  it('is named 24x7 and counts every minute: plain arithmetic', () => {
    expect(ALWAYS_OPEN.name).toBe(ALWAYS_OPEN_NAME);
    expect(ALWAYS_OPEN_NAME).toBe('24x7');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.double({ min: 0, max: 525_600, noNaN: true }), (start, minutes) => {
        expect(addBusinessMinutes(ALWAYS_OPEN, start, minutes)).toBe(start + minutes * MINUTE);
        expect(businessMinutesBetween(ALWAYS_OPEN, start, start + minutes * MINUTE)).toBeCloseTo(minutes, 6);
      }),
      { numRuns: 200 },
    );
  });
});

describe('refusals', () => {
  it('refuses a calendar that is never open, or in an unknown zone', () => {
    expect(() => calendar(NY, {})).toThrow(/never open/);
    expect(() => calendar(NY, { mon: [] })).toThrow(/never open/);
    expect(() => calendar('Mars/Olympus', { mon: [['09:00', '17:00']] })).toThrow(/time zone/);
  });

  it('refuses unreadable hours and dates', () => {
    expect(() => calendar(NY, { mon: [['17:00', '09:00']] })).toThrow(/mon range/);
    expect(() => calendar(NY, { mon: [['24:00', '24:00']] })).toThrow(/mon range/);
    expect(() => calendar(NY, { mon: [['9:00', '17:00']] })).toThrow(/mon range/);
    expect(() => calendar(NY, { mon: [['09:00', '17:00']] }, ['2026-02-29'])).toThrow(/holiday/);
  });

  it('gives up on a deadline when holidays close every open day for years', () => {
    const mondays = Array.from({ length: 5 * 53 }, (_, i) => DateTime.fromISO('2026-01-05', { zone: 'utc' }).plus({ weeks: i }).toISODate()!);
    const cal = calendar(NY, { mon: [['09:00', '17:00']] }, mondays);
    expect(() => addBusinessMinutes(cal, at('2026-01-01T00:00'), 1)).toThrow(/closed for/);
    expect(businessMinutesBetween(cal, at('2026-01-01T00:00'), at('2027-01-01T00:00'))).toBe(0);
  });

  it('refuses negative or non-finite minutes and instants', () => {
    for (const cal of [ALWAYS_OPEN, officeHours()]) {
      expect(() => addBusinessMinutes(cal, 0, -1)).toThrow(RangeError);
      expect(() => addBusinessMinutes(cal, 0, Number.POSITIVE_INFINITY)).toThrow(RangeError);
      expect(() => addBusinessMinutes(cal, Number.NaN, 1)).toThrow(RangeError);
      expect(() => businessMinutesBetween(cal, 0, Number.NaN)).toThrow(RangeError);
    }
  });

  it('tells whether a spec is ever open', () => {
    expect(isEverOpen({ timezone: 'UTC', hours: { sun: [['00:00', '00:01']] }, holidays: [] })).toBe(true);
    expect(isEverOpen({ timezone: 'UTC', hours: { mon: [], tue: [] }, holidays: [] })).toBe(false);
  });
});

describe('properties over random weekly hours in odd zones', () => {
  const FROM = Date.UTC(2010, 0, 1);
  const TO = Date.UTC(2031, 0, 1);
  // Clock changes of each zone, so that odd days are not left to chance: Lord Howe moves its clock
  // by 30 minutes, Kathmandu sits at +05:45 and never changes, and Apia skipped 2011-12-30.
  const CHANGES: Record<string, readonly string[]> = {
    UTC: [],
    [NY]: ['2026-03-08T07:00Z', '2026-11-01T06:00Z'],
    [BERLIN]: ['2026-03-29T01:00Z', '2026-10-25T01:00Z'],
    'Australia/Lord_Howe': ['2026-04-04T15:00Z', '2026-10-03T15:30Z'],
    'Asia/Kathmandu': [],
    'Pacific/Apia': ['2011-12-30T10:00Z', '2020-09-26T14:00Z', '2021-04-03T14:00Z'],
  };

  const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  // Clocks change between midnight and 04:00 in these zones: boundaries there are drawn often.
  const boundary = fc.oneof(
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 1440 }) },
    { weight: 1, arbitrary: fc.constantFrom(0, 30, 60, 90, 120, 135, 150, 165, 180, 210, 240, 1440) },
  );
  const dayRanges = fc.uniqueArray(boundary, { maxLength: 6 }).map((bounds) => {
    const sorted = [...bounds].sort((a, b) => a - b);
    const ranges: Range[] = [];
    for (let i = 0; i + 1 < sorted.length; i += 2) ranges.push([hhmm(sorted[i]!), hhmm(sorted[i + 1]!)]);
    return ranges;
  });
  const date = fc.integer({ min: FROM, max: TO - 1 }).map((ms) => new Date(ms).toISOString().slice(0, 10));
  const hours = fc.tuple(...WEEKDAYS.map(() => dayRanges)).map((days) => Object.fromEntries(WEEKDAYS.map((d, i) => [d, days[i]!])));

  /** A random calendar, and an instant often within a couple of days of one of its zone's clock changes. */
  const scene = fc.constantFrom(...Object.keys(CHANGES)).chain((timezone) => {
    const changes = CHANGES[timezone]!.map((iso) => Date.parse(iso));
    const anywhere = fc.integer({ min: FROM, max: TO });
    const nearChange = changes.length === 0 ? anywhere : fc.constantFrom(...changes).chain((t) => fc.integer({ min: t - 2 * DAY, max: t + DAY }));
    return fc.record({
      spec: fc.record({ timezone: fc.constant(timezone), hours, holidays: fc.uniqueArray(date, { maxLength: 10 }) }).filter(isEverOpen),
      start: fc.oneof(anywhere, nearChange),
    });
  });
  const minutes = fc.oneof(fc.double({ min: 0, max: 3000, noNaN: true }), fc.integer({ min: 0, max: 20_000 }));
  const RUNS = { numRuns: 200 };

  it('counts back exactly the minutes it added, from any start', () => {
    fc.assert(
      fc.property(scene, minutes, ({ spec, start }, m) => {
        const cal = compileCalendar('p', spec);
        expect(Math.abs(businessMinutesBetween(cal, start, addBusinessMinutes(cal, start, m)) - m)).toBeLessThan(1e-6);
      }),
      RUNS,
    );
  });

  it('never moves a deadline earlier for more minutes, nor before its start', () => {
    fc.assert(
      fc.property(scene, minutes, minutes, ({ spec, start }, m1, m2) => {
        const cal = compileCalendar('p', spec);
        const [low, high] = m1 <= m2 ? [m1, m2] : [m2, m1];
        expect(addBusinessMinutes(cal, start, low)).toBeLessThanOrEqual(addBusinessMinutes(cal, start, high));
        expect(addBusinessMinutes(cal, start, low)).toBeGreaterThanOrEqual(start);
      }),
      RUNS,
    );
  });

  it('adds up: a then b more minutes (b > 0) is a + b minutes, to the millisecond', () => {
    // b = 0 would differ where a ends at a closing: 0 more minutes then means the next opening
    // (and so would a b too small to change a + b in floating point).
    fc.assert(
      fc.property(
        scene,
        minutes,
        minutes.filter((b) => b >= 1e-6),
        ({ spec, start }, a, b) => {
          const cal = compileCalendar('p', spec);
          expect(Math.abs(addBusinessMinutes(cal, addBusinessMinutes(cal, start, a), b) - addBusinessMinutes(cal, start, a + b))).toBeLessThanOrEqual(1);
        },
      ),
      RUNS,
    );
  });

  it('adds up between instants: [a, b) and [b, c) make [a, c)', () => {
    const span = fc.integer({ min: 0, max: 20 * DAY });
    fc.assert(
      fc.property(scene, span, span, ({ spec, start: a }, ab, bc) => {
        const cal = compileCalendar('p', spec);
        const [b, c] = [a + ab, a + ab + bc];
        const sum = businessMinutesBetween(cal, a, b) + businessMinutesBetween(cal, b, c);
        expect(Math.abs(sum - businessMinutesBetween(cal, a, c))).toBeLessThan(1e-6);
      }),
      RUNS,
    );
  });

  it('ends a deadline of more than 0 minutes inside business hours or at a closing, never at an opening', () => {
    fc.assert(
      fc.property(scene, fc.integer({ min: 1, max: 20_000 * MINUTE }), ({ spec, start }, ms) => {
        const cal = compileCalendar('p', spec);
        const due = addBusinessMinutes(cal, start, ms / MINUTE);
        // Whole milliseconds were asked for, so the last one before the deadline is business time.
        expect(businessMinutesBetween(cal, due - 0.5, due)).toBeCloseTo(0.5 / MINUTE, 12);
      }),
      RUNS,
    );
  });

  it('is open in a minute exactly when its local weekday, wall-clock time and date say so', () => {
    const toMinutes = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3));
    fc.assert(
      fc.property(scene, ({ spec, start }) => {
        const minute = Math.floor(start / MINUTE) * MINUTE;
        const zone = IANAZone.create(spec.timezone);
        // Not where clocks are set back: a wall-clock time shown twice opens only its first occurrence.
        fc.pre(zone.offset(minute - DAY) <= zone.offset(minute + DAY));
        const local = DateTime.fromMillis(minute, { zone });
        const wall = local.hour * 60 + local.minute;
        const ranges = spec.hours[WEEKDAYS[local.weekday - 1]!] ?? [];
        const open = !spec.holidays.includes(local.toISODate()!) && ranges.some(([a, b]) => toMinutes(a) <= wall && wall < toMinutes(b));
        expect(businessMinutesBetween(compileCalendar('p', spec), minute, minute + MINUTE)).toBe(open ? 1 : 0);
      }),
      { numRuns: 1000 },
    );
  });
});
