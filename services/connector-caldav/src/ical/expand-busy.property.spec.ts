import fc from 'fast-check';
import { DateTime } from 'luxon';
import { busyOfObject } from './expand-busy';

/*
 * busyOfObject's expansion of generated RRULEs checked against a deliberately naive reference.
 * The reference shares nothing with the implementation but luxon's offset lookup: it walks the
 * calendar one local day at a time from DTSTART, asks of each day every clause of the rule
 * (INTERVAL by counting whole days, weeks, months or years; BYMONTH, BYMONTHDAY and BYDAY as
 * plain membership tests; the parts RFC 5545 takes from DTSTART when the rule names none), counts
 * COUNT from DTSTART (which is always the first instance, whether the rule makes it or not, and
 * whatever UNTIL says), stops at UNTIL, drops EXDATEs, and keeps what overlaps the window.
 */

const CALENDAR_ZONE = 'America/New_York';
// Instances start between 06:00 and 22:45 local: no zone below changes its offset then.
const EVENT_ZONES = ['America/New_York', 'Europe/Berlin', 'UTC'] as const;
const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
const DAY_MS = 86_400_000;

type Frequency = 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';

interface ByDay {
  /** Monday = 0 … Sunday = 6. */
  weekday: number;
  /** The nth such weekday of the month (or of the year, for YEARLY without BYMONTH); negative from the end. */
  nth?: number;
}

interface Scenario {
  zone: (typeof EVENT_ZONES)[number];
  allDay: boolean;
  /** DTSTART's local date and time. */
  start: { year: number; month: number; day: number; hour: number; minute: number };
  minutes: number;
  freq: Frequency;
  interval: number;
  bymonth?: number[];
  bymonthday?: number[];
  byday?: ByDay[];
  count?: number;
  /** Epoch ms of UNTIL (UTC; a date for all-day series). */
  until?: number;
  /** Which of the reference's instances are excluded, by position. */
  excluded: number[];
  from: number;
  to: number;
}

describe('busyOfObject against a day-by-day RRULE reference (property-based)', () => {
  it('puts exactly the reference instances in the window, whatever the order of BYMONTH, across year ends and DST', () => {
    fc.assert(
      fc.property(scenarios(), (scenario) => {
        const instances = referenceStarts(scenario);
        const excluded = new Set(
          scenario.excluded.filter((index) => index < instances.length).map((index) => instances[index]),
        );
        const expected = instances
          .filter((start) => !excluded.has(start))
          .map((start) => span(scenario, start))
          .filter((s) => s.start < scenario.to && s.end > scenario.from)
          .map(show);
        const { busy, capped } = busyOfObject(
          ics(scenario, [...excluded]),
          { from: scenario.from, to: scenario.to },
          { zone: CALENDAR_ZONE, maxInstances: 10_000 },
        );
        expect(capped).toBe(false);
        expect(busy.map(show)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});

function scenarios(): fc.Arbitrary<Scenario> {
  const byday = (ordinals: boolean) =>
    fc.uniqueArray(
      fc.record({
        weekday: fc.integer({ min: 0, max: 6 }),
        nth: ordinals ? fc.option(fc.constantFrom(1, 2, 3, 4, -1, -2), { nil: undefined }) : fc.constant(undefined),
      }),
      { minLength: 1, maxLength: 3, selector: (entry) => `${entry.nth}${entry.weekday}` },
    );
  return fc
    .record({
      zone: fc.constantFrom(...EVENT_ZONES),
      allDay: fc.boolean(),
      // From September 2025 to the end of 2026.
      startDay: fc.integer({ min: 0, max: 480 }),
      hour: fc.integer({ min: 6, max: 22 }),
      minute: fc.constantFrom(0, 15, 30, 45),
      minutes: fc.constantFrom(30, 60, 90),
      freq: fc.constantFrom<Frequency>('DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'),
      interval: fc.integer({ min: 1, max: 3 }),
      bymonth: fc.option(fc.shuffledSubarray([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], { minLength: 1, maxLength: 5 }), {
        nil: undefined,
      }),
      bymonthday: fc.option(fc.uniqueArray(fc.constantFrom(1, 2, 15, 28, -1), { minLength: 1, maxLength: 2 }), {
        nil: undefined,
      }),
      plainDays: fc.option(byday(false), { nil: undefined }),
      ordinalDays: fc.option(byday(true), { nil: undefined }),
      end: fc.oneof(
        fc.record({ count: fc.integer({ min: 1, max: 25 }) }),
        fc.record({ untilDays: fc.integer({ min: 0, max: 700 }) }),
        fc.constant({}),
      ),
      excluded: fc.uniqueArray(fc.integer({ min: 0, max: 20 }), { maxLength: 3 }),
      fromDays: fc.integer({ min: -30, max: 600 }),
      windowDays: fc.integer({ min: 1, max: 150 }),
    })
    .map((r): Scenario => {
      const date = DateTime.fromObject({ year: 2025, month: 9, day: 1 }, { zone: 'UTC' }).plus({ days: r.startDay });
      const start = {
        year: date.year,
        month: date.month,
        day: date.day,
        hour: r.allDay ? 0 : r.hour,
        minute: r.allDay ? 0 : r.minute,
      };
      const monthly = r.freq === 'MONTHLY' || r.freq === 'YEARLY';
      const origin = date.toMillis();
      return {
        zone: r.zone,
        allDay: r.allDay,
        start,
        minutes: r.minutes,
        freq: r.freq,
        interval: r.interval,
        bymonth: r.bymonth,
        bymonthday: monthly ? r.bymonthday : undefined,
        byday: monthly ? r.ordinalDays : r.freq === 'WEEKLY' || r.freq === 'DAILY' ? r.plainDays : undefined,
        count: 'count' in r.end ? r.end.count : undefined,
        // At noon UTC: never within an hour of a change of offset in the zones above.
        until: 'untilDays' in r.end ? origin + r.end.untilDays * DAY_MS + (r.allDay ? 0 : DAY_MS / 2) : undefined,
        excluded: r.excluded,
        from: origin + r.fromDays * DAY_MS,
        to: origin + (r.fromDays + r.windowDays) * DAY_MS,
      };
    });
}

/** The object as a client would write it. */
function ics(scenario: Scenario, excluded: number[]): string {
  const parts = [`FREQ=${scenario.freq}`, `INTERVAL=${scenario.interval}`];
  if (scenario.bymonth) parts.push(`BYMONTH=${scenario.bymonth.join(',')}`);
  if (scenario.bymonthday) parts.push(`BYMONTHDAY=${scenario.bymonthday.join(',')}`);
  if (scenario.byday)
    parts.push(`BYDAY=${scenario.byday.map((d) => `${d.nth ?? ''}${WEEKDAYS[d.weekday]}`).join(',')}`);
  if (scenario.count !== undefined) parts.push(`COUNT=${scenario.count}`);
  if (scenario.until !== undefined)
    parts.push(
      `UNTIL=${scenario.allDay ? utcDate(scenario.until) : `${utcDate(scenario.until)}T${utcTime(scenario.until)}Z`}`,
    );
  const local = (ms: number) =>
    DateTime.fromMillis(ms, { zone: zoneOf(scenario) }).toFormat(scenario.allDay ? 'yyyyMMdd' : "yyyyMMdd'T'HHmmss");
  const zoned = (name: string, ms: number) =>
    scenario.allDay
      ? `${name};VALUE=DATE:${local(ms)}`
      : scenario.zone === 'UTC'
        ? `${name}:${local(ms)}Z`
        : `${name};TZID=${scenario.zone}:${local(ms)}`;
  return [
    'BEGIN:VCALENDAR',
    'BEGIN:VEVENT',
    'UID:generated',
    zoned('DTSTART', instantOf(scenario, scenario.start)),
    scenario.allDay ? 'DURATION:P1D' : `DURATION:PT${scenario.minutes}M`,
    `RRULE:${parts.join(';')}`,
    ...excluded.map((ms) => zoned('EXDATE', ms)),
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

/** The starts of the series up to the window's end (epoch ms), walking one local day at a time. */
function referenceStarts(scenario: Scenario): number[] {
  const starts: number[] = [];
  const first = dateOf(Date.UTC(scenario.start.year, scenario.start.month - 1, scenario.start.day) / DAY_MS);
  // Local days past this one start after the window ends, in any zone.
  const last = Math.ceil(scenario.to / DAY_MS) + 1;
  for (let epochDay = first.epochDay; epochDay <= last; epochDay++) {
    if (scenario.count !== undefined && starts.length >= scenario.count) break;
    const date = dateOf(epochDay);
    if (epochDay !== first.epochDay && !makes(scenario, date, first)) continue;
    const start = instantOf(scenario, { ...scenario.start, year: date.year, month: date.month, day: date.day });
    // A date UNTIL takes in its whole date. It bounds what the rule makes: DTSTART is the first
    // instance even when UNTIL is before it (RFC 5545 §3.8.5.3), and busy either way.
    const afterUntil = scenario.until !== undefined && (scenario.allDay ? epochDay * DAY_MS : start) > scenario.until;
    if (afterUntil && epochDay !== first.epochDay) break;
    starts.push(start);
  }
  return starts;
}

/** A local date and what the rule may ask of it. */
interface LocalDate {
  epochDay: number;
  year: number;
  month: number;
  day: number;
  /** Monday = 0 … Sunday = 6. */
  weekday: number;
  dayOfYear: number;
  daysInMonth: number;
  daysInYear: number;
}

function dateOf(epochDay: number): LocalDate {
  const date = new Date(epochDay * DAY_MS);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + 1;
  return {
    epochDay,
    year,
    month,
    day: date.getUTCDate(),
    weekday: (date.getUTCDay() + 6) % 7,
    dayOfYear: epochDay - Date.UTC(year, 0, 1) / DAY_MS + 1,
    daysInMonth: new Date(Date.UTC(year, month, 0)).getUTCDate(),
    daysInYear: (Date.UTC(year + 1, 0, 1) - Date.UTC(year, 0, 1)) / DAY_MS,
  };
}

/** Whether the rule makes an instance on this local date (its time is DTSTART's). */
function makes(scenario: Scenario, date: LocalDate, first: LocalDate): boolean {
  const { freq, interval, bymonth, bymonthday, byday } = scenario;
  const periods = {
    DAILY: date.epochDay - first.epochDay,
    // Weeks start on Monday (WKST's default).
    WEEKLY: (date.epochDay - date.weekday - (first.epochDay - first.weekday)) / 7,
    MONTHLY: (date.year - first.year) * 12 + date.month - first.month,
    YEARLY: date.year - first.year,
  }[freq];
  if (periods % interval !== 0) return false;
  if (bymonth && !bymonth.includes(date.month)) return false;
  if (bymonthday && !bymonthday.some((n) => (n > 0 ? n : date.daysInMonth + n + 1) === date.day)) return false;
  if (byday && !byday.some((entry) => onByDay(scenario, date, entry))) return false;
  if (byday || bymonthday) return true;
  // What the rule does not say comes from DTSTART.
  if (freq === 'WEEKLY') return date.weekday === first.weekday;
  if (freq === 'MONTHLY') return date.day === first.day;
  if (freq === 'YEARLY') return date.day === first.day && (bymonth !== undefined || date.month === first.month);
  return true;
}

function onByDay(scenario: Scenario, date: LocalDate, entry: ByDay): boolean {
  if (date.weekday !== entry.weekday) return false;
  if (entry.nth === undefined) return true;
  const inYear = scenario.freq === 'YEARLY' && !scenario.bymonth;
  const position = inYear ? date.dayOfYear : date.day;
  const length = inYear ? date.daysInYear : date.daysInMonth;
  return entry.nth > 0 ? Math.ceil(position / 7) === entry.nth : Math.floor((length - position) / 7) + 1 === -entry.nth;
}

function span(scenario: Scenario, start: number): { start: number; end: number } {
  if (!scenario.allDay) return { start, end: start + scenario.minutes * 60_000 };
  return { start, end: DateTime.fromMillis(start, { zone: CALENDAR_ZONE }).plus({ days: 1 }).toMillis() };
}

function instantOf(scenario: Scenario, local: Scenario['start']): number {
  return DateTime.fromObject(local, { zone: zoneOf(scenario) }).toMillis();
}

function zoneOf(scenario: Scenario): string {
  return scenario.allDay ? CALENDAR_ZONE : scenario.zone;
}

function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replace(/-/g, '');
}

function utcTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19).replace(/:/g, '');
}

function show(s: { start: number; end: number }): string {
  return `${new Date(s.start).toISOString()} – ${new Date(s.end).toISOString()}`;
}
