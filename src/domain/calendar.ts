// Business-time calendars (SPEC "business hours"): which instants count toward an SLA target, when
// a number of business minutes has passed since an instant, and how many lie between two instants.
// Pure: Luxon supplies the time-zone rules and nothing else is read. Every ticket create asks, so a
// calendar keeps the open intervals of the local dates it has converted.
import { IANAZone } from 'luxon';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** As the API and YAML give it: ranges "HH:MM"-"HH:MM" in the calendar's zone, "24:00" ends a day; a day left out or [] is closed. */
export type CalendarSpec = {
  timezone: string;
  hours: Partial<Record<Weekday, ReadonlyArray<readonly [string, string]>>>;
  holidays: readonly string[];
};

const HOURS: unique symbol = Symbol('business hours');

/** Open intervals of one local day, flat: [start0, end0, start1, end1, ...] in epoch ms, ascending. */
type Intervals = readonly number[];

type Hours = {
  zone: IANAZone;
  /** Per weekday (Monday first): ascending, disjoint [start, end) in minutes after local midnight. */
  week: ReadonlyArray<ReadonlyArray<readonly [number, number]>>;
  /** Local dates as days since 1970-01-01. */
  holidays: ReadonlySet<number>;
  /** Open intervals per local date (days since 1970-01-01): converting a day needs the zone's rules. */
  days: Map<number, Intervals>;
};

/** A compiled calendar; only `name` is meant to be read. */
export type Calendar = { readonly name: string; readonly [HOURS]: Hours | null };

export const ALWAYS_OPEN_NAME = '24x7';
/** Every minute counts: deadlines are plain arithmetic. */
export const ALWAYS_OPEN: Calendar = Object.freeze({ name: ALWAYS_OPEN_NAME, [HOURS]: null });

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const DAY_MINUTES = 1440;
// Every UTC offset in the tz database, local mean times included, lies within ±16 hours, so the
// local date of an instant is never before the UTC date of the instant 16 hours earlier.
const MAX_OFFSET_MS = 16 * 3_600_000;
const CACHED_DAYS = 4096;
// Holidays could close every open day; past this many closed days in a row the deadline never comes.
const MAX_CLOSED_DAYS = 3 * 366;
const CLOSED: Intervals = Object.freeze([]);

/** Throws on what CalendarSchema refuses (an unknown zone, unreadable hours or dates, never open). */
export function compileCalendar(name: string, spec: CalendarSpec): Calendar {
  const zone = IANAZone.create(spec.timezone);
  if (!zone.isValid) throw new Error(`calendar ${name}: unknown time zone ${spec.timezone}`);
  const week = WEEKDAYS.map((day) => mergeRanges((spec.hours[day] ?? []).map((range) => parseRange(name, day, range))));
  if (week.every((ranges) => ranges.length === 0)) throw new Error(`calendar ${name}: never open`);
  const holidays = new Set(spec.holidays.map((date) => parseDate(name, date)));
  return Object.freeze({ name, [HOURS]: { zone, week, holidays, days: new Map() } });
}

/** Whether the calendar is ever open (some day has a range); used by validation. */
export function isEverOpen(spec: Pick<CalendarSpec, 'hours'> & Partial<CalendarSpec>): boolean {
  return WEEKDAYS.some((day) => (spec.hours[day]?.length ?? 0) > 0);
}

/**
 * The instant (epoch ms) at which `minutes` business minutes (fractions allowed, >= 0) have passed since `startMs`.
 * If startMs is outside business hours, counting starts at the next opening. minutes = 0 -> the first business
 * instant at/after startMs (for ALWAYS_OPEN: startMs). The result is not rounded to a whole millisecond.
 */
export function addBusinessMinutes(cal: Calendar, startMs: number, minutes: number): number {
  if (!Number.isFinite(startMs)) throw new RangeError(`start must be a finite instant, not ${startMs}`);
  if (!Number.isFinite(minutes) || minutes < 0) throw new RangeError(`minutes must be finite and at least 0, not ${minutes}`);
  const hours = cal[HOURS];
  if (hours === null) return startMs + minutes * MINUTE_MS;
  let left = minutes * MINUTE_MS;
  let closedDays = 0;
  for (let day = earliestLocalDay(startMs); ; day++) {
    const open = openIntervals(hours, day);
    if (open.length === 0) {
      if (++closedDays > MAX_CLOSED_DAYS) throw new Error(`calendar ${cal.name}: closed for ${MAX_CLOSED_DAYS} days in a row after ${isoOf(startMs)}`);
      continue;
    }
    closedDays = 0;
    for (let i = 0; i < open.length; i += 2) {
      const end = open[i + 1]!;
      if (end <= startMs) continue;
      const from = Math.max(open[i]!, startMs);
      // `<=` ends a deadline at a closing rather than at the next opening.
      if (left <= end - from) return from + left;
      left -= end - from;
    }
  }
}

/** Business minutes (fractional, unrounded) in [fromMs, toMs); negative of the reverse when toMs < fromMs. */
export function businessMinutesBetween(cal: Calendar, fromMs: number, toMs: number): number {
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) throw new RangeError(`instants must be finite, not ${fromMs} and ${toMs}`);
  const hours = cal[HOURS];
  if (hours === null) return (toMs - fromMs) / MINUTE_MS;
  if (toMs < fromMs) return -businessMinutesBetween(cal, toMs, fromMs);
  let sum = 0;
  // A day's intervals can begin before the local date of `toMs` begins (a clock set back over
  // midnight), hence the day after.
  const lastDay = Math.floor((toMs + MAX_OFFSET_MS) / DAY_MS) + 1;
  for (let day = earliestLocalDay(fromMs); day <= lastDay; day++) {
    const open = openIntervals(hours, day);
    for (let i = 0; i < open.length; i += 2) {
      const overlap = Math.min(open[i + 1]!, toMs) - Math.max(open[i]!, fromMs);
      if (overlap > 0) sum += overlap;
    }
  }
  return sum / MINUTE_MS;
}

// No interval of a local date before an instant's own reaches past that instant, so a scan may
// start at any date up to it: this one needs no zone lookup.
const earliestLocalDay = (ms: number): number => Math.floor((ms - MAX_OFFSET_MS) / DAY_MS);

const isoOf = (ms: number): string => new Date(ms).toISOString();

function openIntervals(hours: Hours, day: number): Intervals {
  const cached = hours.days.get(day);
  if (cached !== undefined) return cached;
  const ranges = hours.week[weekdayOf(day)]!;
  if (ranges.length === 0 || hours.holidays.has(day)) return CLOSED;
  const open = toInstants(hours.zone, day, ranges);
  if (hours.days.size >= CACHED_DAYS) hours.days.delete(hours.days.keys().next().value!);
  hours.days.set(day, open);
  return open;
}

/** Monday 0 .. Sunday 6; 1970-01-01 was a Thursday. */
const weekdayOf = (day: number): number => (((day + 3) % 7) + 7) % 7;

function toInstants(zone: IANAZone, day: number, ranges: ReadonlyArray<readonly [number, number]>): Intervals {
  // Wall-clock times as if the zone were UTC; "24:00" lands on the next date's midnight and so
  // converts exactly as that date's start does.
  const midnight = day * DAY_MS;
  const steady = steadyOffset(zone, midnight);
  const toInstant = steady === null ? (wall: number) => wallToInstant(zone, wall) : (wall: number) => wall - steady;
  const open: number[] = [];
  for (const [start, end] of ranges) {
    const from = toInstant(midnight + start * MINUTE_MS);
    const to = toInstant(midnight + end * MINUTE_MS);
    // A range inside a skipped hour (or a skipped day) holds no real time.
    if (to > from) open.push(from, to);
  }
  return Object.freeze(open);
}

/** The zone's offset throughout the day and the hours around it, or null when it changes. */
function steadyOffset(zone: IANAZone, midnight: number): number | null {
  const before = offsetMs(zone, midnight - DAY_MS);
  return before === offsetMs(zone, midnight + 2 * DAY_MS) ? before : null;
}

// Luxon reports minutes; local mean times are not whole minutes, so round in milliseconds.
const offsetMs = (zone: IANAZone, ms: number): number => Math.round(zone.offset(ms) * MINUTE_MS);

/**
 * The instant a wall-clock time (as if UTC) names. Set back, the clock shows a time twice: the
 * earlier counts, so an office opens the first time its clock reads the opening hour. Set
 * forward, a skipped time becomes the instant of the jump, so only real time is counted.
 */
function wallToInstant(zone: IANAZone, wall: number): number {
  const before = offsetMs(zone, wall - DAY_MS);
  const after = offsetMs(zone, wall + DAY_MS);
  for (const candidate of before >= after ? [wall - before, wall - after] : [wall - after, wall - before]) {
    if (candidate + offsetMs(zone, candidate) === wall) return candidate;
  }
  return firstInstantWithOffsetAfter(zone, wall - after, wall - before);
}

/** The zone's transition in (lo, hi]: the zone's rules change on whole seconds, so search seconds. */
function firstInstantWithOffsetAfter(zone: IANAZone, loMs: number, hiMs: number): number {
  let lo = Math.floor(loMs / 1000);
  let hi = Math.ceil(hiMs / 1000);
  const first = offsetMs(zone, lo * 1000);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMs(zone, mid * 1000) === first) lo = mid;
    else hi = mid;
  }
  return hi * 1000;
}

const TIME = /^(\d{2}):(\d{2})$/;

function parseRange(calendar: string, day: Weekday, [start, end]: readonly [string, string]): [number, number] {
  const from = parseTime(start);
  const to = parseTime(end);
  if (from === null || to === null || from >= DAY_MINUTES || to <= from) {
    throw new Error(`calendar ${calendar}: ${day} range ${start}-${end} is not HH:MM-HH:MM with its start before its end`);
  }
  return [from, to];
}

/** Minutes after midnight; "24:00" is the day's end. */
function parseTime(time: string): number | null {
  const match = TIME.exec(time);
  if (match === null) return null;
  const hour = Number(match[1]);
  const minute = Number(match[2]);
  if (minute > 59 || hour > 24 || (hour === 24 && minute > 0)) return null;
  return hour * 60 + minute;
}

/** Sorted, with overlapping and touching ranges joined, so every interval ends at a real closing. */
function mergeRanges(ranges: ReadonlyArray<[number, number]>): ReadonlyArray<readonly [number, number]> {
  const merged: [number, number][] = [];
  for (const [start, end] of [...ranges].sort((a, b) => a[0] - b[0])) {
    const last = merged.at(-1);
    if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A local date YYYY-MM-DD as days since 1970-01-01. */
function parseDate(calendar: string, date: string): number {
  const match = DATE.exec(date);
  const [year, month, day] = match === null ? [0, 0, 0] : [Number(match[1]), Number(match[2]), Number(match[3])];
  if (match === null || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw new Error(`calendar ${calendar}: holiday ${date} is not a date YYYY-MM-DD`);
  }
  return daysFromCivil(year, month, day);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

// Howard Hinnant's days_from_civil: exact for every year, where Date.UTC reads 0..99 as 1900..1999.
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
