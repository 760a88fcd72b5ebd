import fc from 'fast-check';
import { IANAZone } from 'luxon';
import type { MemberAvailability } from './availability';
import { compileProfile } from './compile-profile';
import { explainStart } from './explain';
import type { AvailabilityProfile, BlockedTime } from './profile';
import { bookableStarts } from './slots';

/*
 * DESIGN §3 checked against a deliberately naive reference. The reference shares nothing with the
 * implementation but luxon's offset lookup: it tabulates the zone's wall clock minute by minute,
 * finds each local time as the first minute whose wall clock reaches it (which skips a
 * spring-forward gap and takes the earlier of a repeated hour), evaluates recurring blocks from
 * their structure rather than through rrule, and tests every clause with plain loops.
 */

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;
// Every zone below changes its offset on a quarter hour of UTC, so the reference reads the offset
// once per quarter hour.
const QUARTER_HOUR = 15 * MINUTE;
const ZONES = ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham', 'UTC'];
// Daylight-saving changes in 2026 of the zones above; scenarios cluster around them.
const TRANSITION_DATES = [
  '2026-03-08',
  '2026-11-01',
  '2026-03-29',
  '2026-10-25',
  '2026-04-05',
  '2026-10-04',
  '2026-09-27',
];

type Clause = 'hours' | 'notice' | 'advance' | 'blocked' | 'taken';
const CLAUSES: Clause[] = ['hours', 'notice', 'advance', 'blocked', 'taken'];
const REASON_OF: Record<Clause, string> = {
  hours: 'outside_hours',
  notice: 'too_soon',
  advance: 'too_far',
  blocked: 'blocked',
  taken: 'slot_taken',
};

interface Window {
  start: string;
  end: string;
}

type BlockSpec =
  | { kind: 'absolute'; start: number; end: number }
  | { kind: 'day'; day: number }
  | {
      kind: 'daily' | 'weekly' | 'monthly' | 'yearly';
      weekdays: number[];
      day: number;
      window: Window;
      except: number[];
    };

interface Scenario {
  zone: string;
  weeklyHours: { weekday: number; start: string; end: string }[];
  overrides: { day: number; windows: Window[] }[];
  rules: AvailabilityProfile['rules'];
  blocked: BlockSpec[];
  durationMinutes: number;
  now: number;
  from: number;
  to: number;
  busy: { start: number; end: number; bookingId?: string }[];
  bookings: { id: string; start: number; end: number }[];
  ignoreBookingId?: string;
}

describe('bookableStarts against DESIGN §3 (property-based)', () => {
  it('offers only starts that satisfy every clause', () => {
    fc.assert(
      fc.property(scenarios(), (scenario) => {
        const offered = bookableStarts(availability(scenario), { start: scenario.from, end: scenario.to });
        const reference = referenceChecker(scenario);
        for (const start of offered) {
          expect(start >= scenario.from && start < scenario.to).toBe(true);
          const clauses = reference(start);
          for (const clause of CLAUSES) {
            if (!clauses[clause]) throw new Error(`offered ${new Date(start).toISOString()} breaks clause "${clause}"`);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('misses no start that satisfies every clause', () => {
    fc.assert(
      fc.property(scenarios(), (scenario) => {
        const offered = new Set(bookableStarts(availability(scenario), { start: scenario.from, end: scenario.to }));
        const reference = referenceChecker(scenario);
        for (let minute = Math.ceil(scenario.from / MINUTE) * MINUTE; minute < scenario.to; minute += MINUTE) {
          const clauses = reference(minute);
          if (CLAUSES.every((clause) => clauses[clause]) && !offered.has(minute)) {
            throw new Error(`missed ${new Date(minute).toISOString()}`);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('explains exactly the offered starts as bookable, and others by their first failing clause', () => {
    fc.assert(
      fc.property(
        scenarios(),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { maxLength: 80 }),
        (scenario, picks) => {
          const member = availability(scenario);
          const offered = bookableStarts(member, { start: scenario.from, end: scenario.to });
          const reference = referenceChecker(scenario);
          const minutes: number[] = [];
          for (let minute = Math.ceil(scenario.from / MINUTE) * MINUTE; minute < scenario.to; minute += MINUTE)
            minutes.push(minute);
          // Most minutes are off the grid; probing every grid start (up to a few hundred) reaches
          // the later clauses.
          const onGrid = minutes.filter((minute) => reference(minute).hours);
          const gridProbes =
            onGrid.length <= 300 ? onGrid : picks.map((fraction) => onGrid[Math.floor(fraction * onGrid.length)]);
          const probes = [
            ...offered,
            ...gridProbes,
            ...picks.slice(0, 20).map((fraction) => minutes[Math.floor(fraction * minutes.length)]),
          ];
          for (const start of probes) {
            const explanation = explainStart(member, start);
            const failing = CLAUSES.find((clause) => !reference(start)[clause]);
            expect({ at: new Date(start).toISOString(), bookable: explanation.bookable }).toEqual({
              at: new Date(start).toISOString(),
              bookable: offered.includes(start),
            });
            expect(explanation.bookable ? undefined : explanation.reason).toBe(
              failing === undefined ? undefined : REASON_OF[failing],
            );
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

function availability(scenario: Scenario): MemberAvailability {
  const profile: AvailabilityProfile = {
    timeZone: scenario.zone,
    weeklyHours: scenario.weeklyHours,
    overrides: scenario.overrides.map(({ day, windows }) => ({ date: isoDate(day), windows })),
    rules: scenario.rules,
    blocked: scenario.blocked.map(toBlockedTime),
  };
  return {
    schedule: compileProfile(profile),
    durationMinutes: scenario.durationMinutes,
    now: scenario.now,
    busy: scenario.busy,
    bookings: scenario.bookings,
    ignoreBookingId: scenario.ignoreBookingId,
  };
}

function toBlockedTime(block: BlockSpec): BlockedTime {
  switch (block.kind) {
    case 'absolute':
      return { start: new Date(block.start).toISOString(), end: new Date(block.end).toISOString() };
    case 'day':
      return { date: isoDate(block.day) };
    default: {
      const date = new Date(block.day * DAY);
      const rrule = {
        daily: 'FREQ=DAILY',
        weekly: `FREQ=WEEKLY;BYDAY=${block.weekdays.map((weekday) => ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'][weekday - 1]).join(',')}`,
        monthly: `FREQ=MONTHLY;BYMONTHDAY=${date.getUTCDate()}`,
        yearly: `FREQ=YEARLY;BYMONTH=${date.getUTCMonth() + 1};BYMONTHDAY=${date.getUTCDate()}`,
      }[block.kind];
      return { rrule, from: block.window.start, to: block.window.end, exceptDates: block.except.map(isoDate) };
    }
  }
}

// ---- The reference -------------------------------------------------------------------------

/** For any instant, which clauses of DESIGN §3 a start there satisfies. */
function referenceChecker(scenario: Scenario): (start: number) => Record<Clause, boolean> {
  // Wide enough for every local date the checks below look at, whatever the offset.
  const tableStart = Math.floor(scenario.from / DAY) * DAY - 4 * DAY;
  const tableEnd = scenario.to + 5 * DAY;
  const walls: number[] = [];
  const zone = IANAZone.create(scenario.zone);
  for (let t = tableStart; t < tableEnd; t += QUARTER_HOUR) {
    const offset = zone.offset(t) * MINUTE;
    for (let minute = t; minute < t + QUARTER_HOUR; minute += MINUTE) walls.push(minute + offset);
  }
  const instantOf = (wall: number): number => {
    const index = walls.findIndex((shown) => shown >= wall);
    if (index <= 0) throw new Error('reference table too short');
    return tableStart + index * MINUTE;
  };
  const localSpan = (day: number, window: Window): { start: number; end: number } => {
    const from = minutesOf(window.start);
    let to = minutesOf(window.end);
    if (to <= from) to += 1440;
    return { start: instantOf(day * DAY + from * MINUTE), end: instantOf(day * DAY + to * MINUTE) };
  };

  const firstDay = Math.floor(scenario.from / DAY) - 2;
  const lastDay = Math.floor(scenario.to / DAY) + 2;
  const windows: { start: number; end: number }[] = [];
  const blocked: { start: number; end: number }[] = [];
  for (let day = firstDay; day <= lastDay; day++) {
    const override = scenario.overrides.find((each) => each.day === day);
    const localWindows = override
      ? override.windows
      : scenario.weeklyHours.filter((window) => window.weekday === weekdayOf(day));
    for (const window of localWindows) windows.push(localSpan(day, window));
    for (const block of scenario.blocked) {
      if (block.kind === 'day' && block.day === day) blocked.push(localSpan(day, { start: '00:00', end: '24:00' }));
      if (block.kind !== 'absolute' && block.kind !== 'day' && recursOn(block, day))
        blocked.push(localSpan(day, block.window));
    }
  }
  for (const block of scenario.blocked) if (block.kind === 'absolute') blocked.push(block);

  const live = scenario.bookings.filter((booking) => booking.id !== scenario.ignoreBookingId);
  const { bufferBeforeMinutes, bufferAfterMinutes } = scenario.rules;
  const isOurs = (bookingId: string) =>
    bookingId === scenario.ignoreBookingId || live.some((booking) => booking.id === bookingId);
  const taken = [
    ...scenario.busy.filter((busy) => busy.bookingId === undefined || !isOurs(busy.bookingId)),
    ...live.map((booking) => ({
      start: booking.start - bufferBeforeMinutes * MINUTE,
      end: booking.end + bufferAfterMinutes * MINUTE,
    })),
  ];

  const duration = scenario.durationMinutes * MINUTE;
  const step = (scenario.rules.slotStepMinutes ?? scenario.durationMinutes) * MINUTE;
  return (start) => {
    const held = { start: start - bufferBeforeMinutes * MINUTE, end: start + duration + bufferAfterMinutes * MINUTE };
    return {
      hours: windows.some(
        (window) => window.start <= start && start + duration <= window.end && (start - window.start) % step === 0,
      ),
      notice: start >= scenario.now + scenario.rules.minimumNoticeMinutes * MINUTE,
      advance: start <= scenario.now + scenario.rules.maximumAdvanceDays * DAY,
      blocked: !blocked.some((interval) => sharesTime(interval, held)),
      taken: !taken.some((interval) => sharesTime(interval, held)),
    };
  };
}

function recursOn(block: Extract<BlockSpec, { window: Window }>, day: number): boolean {
  if (block.except.includes(day)) return false;
  const date = new Date(day * DAY);
  const anchor = new Date(block.day * DAY);
  switch (block.kind) {
    case 'daily':
      return true;
    case 'weekly':
      return block.weekdays.includes(weekdayOf(day));
    case 'monthly':
      return date.getUTCDate() === anchor.getUTCDate();
    case 'yearly':
      return date.getUTCDate() === anchor.getUTCDate() && date.getUTCMonth() === anchor.getUTCMonth();
  }
}

function sharesTime(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start < a.end && b.start < b.end && a.start < b.end && b.start < a.end;
}

function weekdayOf(day: number): number {
  return new Date(day * DAY).getUTCDay() || 7;
}

function minutesOf(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

function isoDate(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

// ---- Scenarios -----------------------------------------------------------------------------

function scenarios(): fc.Arbitrary<Scenario> {
  const baseDay = fc.oneof(
    fc.constantFrom(...TRANSITION_DATES).map((date) => Date.parse(date) / DAY),
    fc.integer({ min: 0, max: 364 }).map((offset) => Date.parse('2026-01-01') / DAY + offset),
  );
  return baseDay.chain((base) => {
    const nearbyDay = fc.integer({ min: base - 1, max: base + 4 });
    const nearbyInstant = fc
      .integer({ min: -1440, max: 5 * 1440 })
      .map((minutes) => base * DAY - 14 * 60 * MINUTE + minutes * MINUTE);
    const localWindow = fc
      .record({ start: localTime(false), end: localTime(true) })
      .filter((window) => window.start !== window.end);
    const recurring = fc.record({
      kind: fc.constantFrom('daily' as const, 'weekly' as const, 'monthly' as const, 'yearly' as const),
      weekdays: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
      day: nearbyDay,
      window: localWindow,
      except: fc.uniqueArray(nearbyDay, { maxLength: 2 }),
    });
    const block: fc.Arbitrary<BlockSpec> = fc.oneof(
      fc
        .record({ start: nearbyInstant, minutes: fc.integer({ min: 1, max: 300 }) })
        .map(({ start, minutes }) => ({ kind: 'absolute' as const, start, end: start + minutes * MINUTE })),
      nearbyDay.map((day) => ({ kind: 'day' as const, day })),
      recurring,
    );
    return fc
      .record({
        zone: fc.constantFrom(...ZONES),
        weeklyHours: fc.array(
          fc
            .record({ weekday: fc.integer({ min: 1, max: 7 }), window: localWindow })
            .map(({ weekday, window }) => ({ weekday, ...window })),
          { minLength: 2, maxLength: 12 },
        ),
        overrides: fc.uniqueArray(fc.record({ day: nearbyDay, windows: fc.array(localWindow, { maxLength: 2 }) }), {
          maxLength: 2,
          selector: (override) => override.day,
        }),
        rules: fc
          .record({
            // Sometimes notice outlasts advance, so that a start can be both too soon and too far.
            limits: fc.oneof(
              {
                arbitrary: fc.record({
                  notice: fc.integer({ min: 0, max: 360 }),
                  advance: fc.integer({ min: 1, max: 6 }),
                }),
                weight: 6,
              },
              {
                arbitrary: fc.record({ notice: fc.integer({ min: 1500, max: 4000 }), advance: fc.constant(1) }),
                weight: 1,
              },
            ),
            bufferBeforeMinutes: fc.integer({ min: 0, max: 120 }),
            bufferAfterMinutes: fc.integer({ min: 0, max: 120 }),
            slotStepMinutes: fc.option(fc.constantFrom(5, 10, 15, 20, 30, 45, 60, 90), { nil: undefined }),
          })
          .map(({ limits, ...rest }) => ({
            minimumNoticeMinutes: limits.notice,
            maximumAdvanceDays: limits.advance,
            ...rest,
          })),
        blocked: fc.array(block, { maxLength: 3 }),
        durationMinutes: fc.constantFrom(15, 30, 45, 60, 90, 120),
        nowAfterFrom: fc.record({
          quarterHours: fc.integer({ min: -96, max: 24 }),
          // Mostly whole quarter hours, so that notice and advance boundaries land on grid starts.
          seconds: fc.oneof(
            { arbitrary: fc.constant(0), weight: 3 },
            { arbitrary: fc.integer({ min: 1, max: 59 }), weight: 1 },
          ),
        }),
        from: fc.integer({ min: 0, max: 1440 * 60 }).map((seconds) => base * DAY - 14 * 60 * MINUTE + seconds * 1000),
        lengthMinutes: fc.integer({ min: 720, max: 3 * 1440 }),
        busy: fc.array(
          fc.record({
            start: nearbyInstant,
            minutes: fc.integer({ min: 1, max: 240 }),
            bookingId: fc.option(fc.constantFrom('b1', 'b2', 'b3', 'x9'), { nil: undefined }),
          }),
          { maxLength: 8 },
        ),
        bookings: fc.uniqueArray(
          fc.record({
            id: fc.constantFrom('b1', 'b2', 'b3'),
            start: nearbyInstant,
            minutes: fc.integer({ min: 15, max: 120 }),
          }),
          { maxLength: 3, selector: (booking) => booking.id },
        ),
        ignoreBookingId: fc.option(fc.constantFrom('b1', 'b2', 'x9'), { nil: undefined }),
      })
      .map(({ lengthMinutes, nowAfterFrom, busy, bookings, ...rest }) => ({
        ...rest,
        now:
          Math.floor(rest.from / QUARTER_HOUR) * QUARTER_HOUR +
          nowAfterFrom.quarterHours * 15 * MINUTE +
          nowAfterFrom.seconds * 1000,
        to: rest.from + lengthMinutes * MINUTE,
        busy: busy.map(({ start, minutes, bookingId }) => ({ start, end: start + minutes * MINUTE, bookingId })),
        bookings: bookings.map(({ id, start, minutes }) => ({ id, start, end: start + minutes * MINUTE })),
      }));
  });
}

function localTime(allowEndOfDay: boolean): fc.Arbitrary<string> {
  const time = fc
    .record({ hour: fc.integer({ min: 0, max: 23 }), minute: fc.constantFrom(0, 0, 15, 30, 45, 7, 50) })
    .map(({ hour, minute }) => `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`);
  return allowEndOfDay
    ? fc.oneof({ arbitrary: time, weight: 9 }, { arbitrary: fc.constant('24:00'), weight: 1 })
    : time;
}
