// The shape of business-hours calendars (SPEC "business hours"): one zod schema validates a PUT of
// a tenant's calendars, a YAML file, and what the store hands back, each problem reported at the
// field that has it.
import { z } from '@hono/zod-openapi';
import { DateTime, IANAZone } from 'luxon';
import { ALWAYS_OPEN_NAME, type CalendarSpec, isEverOpen, WEEKDAYS, type Weekday } from '../domain/calendar.js';

const MAX_RANGES_A_DAY = 16;
const MAX_HOLIDAYS = 1000;
const MAX_CALENDARS = 100;

// Offsets such as "+02:00" are refused even where Intl takes them: a fixed offset has no summer
// time, and a calendar that silently ignores DST is almost always a mistake.
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]*$/;
const timezone = z
  .string()
  .max(64, 'an IANA time zone name, at most 64 characters')
  .refine((tz) => IANA_NAME.test(tz) && IANAZone.isValidZone(tz), 'unknown time zone: give an IANA name such as Europe/Berlin or UTC, not an offset');

const START = /^([01]\d|2[0-3]):[0-5]\d$/;
const END = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
const minutesOf = (time: string): number => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
const isRange = (range: readonly [string, string]): boolean => START.test(range[0]) && END.test(range[1]);

const range = z
  .tuple(
    [
      z.string().regex(START, 'a start time HH:MM from 00:00 to 23:59 ("24:00" only ends a range)'),
      z.string().regex(END, 'an end time HH:MM from 00:00 to 24:00'),
    ],
    { error: 'a range ["HH:MM", "HH:MM"]: its start and its end' },
  )
  // Unreadable times are reported on their own; comparing them would only add noise.
  .refine((range) => !isRange(range) || minutesOf(range[0]) < minutesOf(range[1]), 'a range starts before it ends')
  .openapi({ example: ['09:00', '17:00'] });

const day = z
  .array(range)
  .max(MAX_RANGES_A_DAY, `at most ${MAX_RANGES_A_DAY} ranges a day`)
  .superRefine((ranges, ctx) => {
    const sorted = ranges.filter(isRange).sort((a, b) => minutesOf(a[0]) - minutesOf(b[0]));
    for (let i = 1; i < sorted.length; i++) {
      const [previous, next] = [sorted[i - 1]!, sorted[i]!];
      if (minutesOf(next[0]) < minutesOf(previous[1])) {
        ctx.addIssue({ code: 'custom', message: `ranges ${previous.join('-')} and ${next.join('-')} overlap` });
      }
    }
  });

const hours = z
  .strictObject(Object.fromEntries(WEEKDAYS.map((weekday) => [weekday, day.optional()])) as Record<Weekday, z.ZodOptional<typeof day>>)
  .refine((hours) => isEverOpen({ hours }), 'never open: give at least one day a range');

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const holiday = z
  .string()
  .regex(DATE, 'a date YYYY-MM-DD')
  .refine((date) => !DATE.test(date) || DateTime.fromISO(date, { zone: 'utc' }).isValid, 'no such day: a date that exists, YYYY-MM-DD');

/** One calendar: weekly hours in its zone's wall-clock time, and local dates it is closed on. */
export const CalendarSchema = z
  .strictObject({
    timezone,
    hours,
    // Listing a date twice is harmless, so it is not refused.
    holidays: z.array(holiday).max(MAX_HOLIDAYS, `at most ${MAX_HOLIDAYS} holidays`).default([]),
  })
  .openapi('Calendar', {
    example: { timezone: 'Europe/Berlin', hours: { mon: [['09:00', '17:00']], fri: [['09:00', '12:00']] }, holidays: ['2026-12-25'] },
  });

/** A calendar's name as a tier refers to it, `24x7` included. */
export const calendarName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'a name of 1 to 64 letters, digits, "_", "." or "-", beginning with a letter or digit');
const definableName = calendarName.refine((name) => name !== ALWAYS_OPEN_NAME, `${ALWAYS_OPEN_NAME} is built in and cannot be redefined`);

// A bad name is answered with what is wrong with it rather than zod's "Invalid key in record".
const keyMessage = (issue: { code?: string; issues?: ReadonlyArray<{ message: string }> }): string | undefined =>
  issue.code === 'invalid_key' && issue.issues !== undefined ? issue.issues.map((inner) => inner.message).join('; ') : undefined;

/** A tenant's calendars by name; `24x7` is built in and always there. */
export const CalendarsSchema = z
  .strictObject({
    calendars: z
      .record(definableName, CalendarSchema, { error: keyMessage })
      .refine((calendars) => Object.keys(calendars).length <= MAX_CALENDARS, `at most ${MAX_CALENDARS} calendars`),
  })
  .openapi('Calendars');
export type CalendarsBody = z.infer<typeof CalendarsSchema>;

const ALL_DAY = Object.freeze([Object.freeze(['00:00', '24:00'] as const)]);

/** What `24x7` means, so that listing a tenant's calendars can show it beside theirs. */
export const ALWAYS_OPEN_SPEC: CalendarSpec = Object.freeze({
  timezone: 'UTC',
  hours: Object.freeze(Object.fromEntries(WEEKDAYS.map((weekday) => [weekday, ALL_DAY]))),
  holidays: Object.freeze([]),
});
