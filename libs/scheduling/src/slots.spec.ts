import type { MemberAvailability } from './availability';
import { compileProfile } from './compile-profile';
import type { MemberSchedule } from './profile';
import { formatInstant, parseInstant } from './rfc3339';
import { bookableStarts } from './slots';
import { validateProfile } from './validate-profile';

const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7];

/** A profile, bookable a year ahead of `now` unless it says otherwise. */
function schedule(profile: Record<string, unknown>): MemberSchedule {
  const result = validateProfile({ ...profile, rules: { maximumAdvanceDays: 365, ...(profile.rules as object) } });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return compileProfile(result.profile);
}

function hours(weekdays: number[], start: string, end: string): { weekday: number; start: string; end: string }[] {
  return weekdays.map((weekday) => ({ weekday, start, end }));
}

function instant(text: string): number {
  const value = parseInstant(text);
  if (value === undefined) throw new Error(`not RFC 3339: ${text}`);
  return value;
}

function member(memberSchedule: MemberSchedule, extra: Partial<MemberAvailability> = {}): MemberAvailability {
  return {
    schedule: memberSchedule,
    durationMinutes: 60,
    now: instant('2026-01-01T00:00:00+00:00'),
    busy: [],
    bookings: [],
    ...extra,
  };
}

function startsIn(
  availability: MemberAvailability,
  from: string,
  to: string,
  zone = availability.schedule.zone,
): string[] {
  return bookableStarts(availability, { start: instant(from), end: instant(to) }).map((start) =>
    formatInstant(start, zone),
  );
}

describe('bookableStarts', () => {
  describe('business hours', () => {
    const nineToFive = schedule({
      timeZone: 'America/New_York',
      weeklyHours: hours([1, 2, 3, 4, 5], '09:00', '17:00'),
    });

    it('offers every duration-long step of the window, and none that would end after it', () => {
      const starts = startsIn(member(nineToFive), '2026-03-10T00:00:00-04:00', '2026-03-11T00:00:00-04:00');
      expect(starts).toEqual(
        [9, 10, 11, 12, 13, 14, 15, 16].map((hour) => `2026-03-10T${String(hour).padStart(2, '0')}:00:00-04:00`),
      );
    });

    it('keeps the grid anchored at the window start when the range starts mid-step', () => {
      const everyTwenty = { ...nineToFive, rules: { ...nineToFive.rules, slotStepMs: 20 * 60_000 } };
      const twentyMinutes = member(everyTwenty, { durationMinutes: 30 });
      const starts = startsIn(twentyMinutes, '2026-03-10T09:05:00-04:00', '2026-03-10T10:30:00-04:00');
      expect(starts).toEqual([
        '2026-03-10T09:20:00-04:00',
        '2026-03-10T09:40:00-04:00',
        '2026-03-10T10:00:00-04:00',
        '2026-03-10T10:20:00-04:00',
      ]);
    });

    it('treats several windows of a day separately, never joining them across a gap or where they touch', () => {
      const split = schedule({
        timeZone: 'Europe/London',
        weeklyHours: [...hours([2], '09:00', '10:30'), ...hours([2], '10:30', '12:00')],
      });
      const starts = startsIn(member(split), '2026-03-10T00:00:00+00:00', '2026-03-11T00:00:00+00:00');
      // An hour from 10:00 would need both windows.
      expect(starts).toEqual(['2026-03-10T09:00:00+00:00', '2026-03-10T10:30:00+00:00']);
    });

    it('runs an overnight window 22:00–02:00 across the date change as one window', () => {
      const nights = schedule({ timeZone: 'Europe/London', weeklyHours: hours([5], '22:00', '02:00') });
      const starts = startsIn(member(nights), '2026-03-13T00:00:00+00:00', '2026-03-16T00:00:00+00:00');
      expect(starts).toEqual([
        '2026-03-13T22:00:00+00:00',
        '2026-03-13T23:00:00+00:00',
        '2026-03-14T00:00:00+00:00',
        '2026-03-14T01:00:00+00:00',
      ]);
    });

    it('closes a day with an override without windows, and opens other hours with one that has windows', () => {
      const withOverrides = schedule({
        timeZone: 'America/New_York',
        weeklyHours: hours([1, 2, 3, 4, 5], '09:00', '11:00'),
        overrides: [
          { date: '2026-03-11', windows: [] },
          { date: '2026-03-14', windows: [{ start: '10:00', end: '12:00' }] },
        ],
      });
      const starts = startsIn(member(withOverrides), '2026-03-10T00:00:00-04:00', '2026-03-15T00:00:00-04:00');
      expect(starts).toEqual([
        '2026-03-10T09:00:00-04:00',
        '2026-03-10T10:00:00-04:00',
        '2026-03-12T09:00:00-04:00',
        '2026-03-12T10:00:00-04:00',
        '2026-03-13T09:00:00-04:00',
        '2026-03-13T10:00:00-04:00',
        '2026-03-14T10:00:00-04:00',
        '2026-03-14T11:00:00-04:00',
      ]);
    });
  });

  describe('time zones and daylight saving', () => {
    it.each([
      ['America/New_York', '2026-03-07', '-05:00', '2026-03-08', '-04:00'],
      ['America/New_York', '2026-10-31', '-04:00', '2026-11-01', '-05:00'],
      ['Europe/London', '2026-03-28', '+00:00', '2026-03-29', '+01:00'],
      ['Europe/London', '2026-10-24', '+01:00', '2026-10-25', '+00:00'],
      ['Australia/Lord_Howe', '2026-04-04', '+11:00', '2026-04-05', '+10:30'],
      ['Australia/Lord_Howe', '2026-10-03', '+10:30', '2026-10-04', '+11:00'],
      ['Pacific/Chatham', '2026-04-04', '+13:45', '2026-04-05', '+12:45'],
      ['Pacific/Chatham', '2026-09-26', '+12:45', '2026-09-27', '+13:45'],
      ['Asia/Kolkata', '2026-03-07', '+05:30', '2026-03-08', '+05:30'],
    ])('%s keeps 09:00–17:00 local from %s (%s) to %s (%s)', (zone, before, beforeOffset, after, afterOffset) => {
      const local = schedule({ timeZone: zone, weeklyHours: hours(EVERY_DAY, '09:00', '17:00') });
      const range = {
        start: instant(`${before}T00:00:00Z`) - 86_400_000,
        end: instant(`${after}T23:59:00Z`) + 86_400_000,
      };
      const starts = bookableStarts(member(local), range)
        .map((start) => formatInstant(start, zone))
        .filter((text) => text.startsWith(before) || text.startsWith(after));
      const expected = (date: string, offset: string) =>
        [9, 10, 11, 12, 13, 14, 15, 16].map((hour) => `${date}T${String(hour).padStart(2, '0')}:00:00${offset}`);
      expect(starts).toEqual([...expected(before, beforeOffset), ...expected(after, afterOffset)]);
    });

    it('gives a 23-hour spring-forward day 23 hourly slots and a 25-hour fall-back day 25', () => {
      const allDay = schedule({ timeZone: 'America/New_York', weeklyHours: hours(EVERY_DAY, '00:00', '24:00') });
      expect(startsIn(member(allDay), '2026-03-08T00:00:00-05:00', '2026-03-09T00:00:00-04:00')).toHaveLength(23);
      const fallBack = startsIn(member(allDay), '2026-11-01T00:00:00-04:00', '2026-11-02T00:00:00-05:00');
      expect(fallBack).toHaveLength(25);
      expect(fallBack.slice(0, 4)).toEqual([
        '2026-11-01T00:00:00-04:00',
        '2026-11-01T01:00:00-04:00',
        '2026-11-01T01:00:00-05:00',
        '2026-11-01T02:00:00-05:00',
      ]);
    });

    it('starts a window that begins inside a spring-forward gap at the first instant after the gap', () => {
      const night = schedule({
        timeZone: 'Europe/London',
        weeklyHours: hours([7], '01:30', '03:00'),
        rules: { slotStepMinutes: 15 },
      });
      const starts = startsIn(
        member(night, { durationMinutes: 30 }),
        '2026-03-29T00:00:00+00:00',
        '2026-03-30T00:00:00+00:00',
      );
      expect(starts).toEqual(['2026-03-29T02:00:00+01:00', '2026-03-29T02:15:00+01:00', '2026-03-29T02:30:00+01:00']);
    });

    it('reads an ambiguous fall-back time with the earlier offset (Lord Howe, half-hour shift)', () => {
      const night = schedule({
        timeZone: 'Australia/Lord_Howe',
        weeklyHours: hours([7], '01:30', '03:00'),
        rules: { slotStepMinutes: 30 },
      });
      const starts = startsIn(
        member(night, { durationMinutes: 30 }),
        '2026-04-04T12:00:00+00:00',
        '2026-04-05T12:00:00+00:00',
      );
      expect(starts).toEqual([
        '2026-04-05T01:30:00+11:00',
        '2026-04-05T01:30:00+10:30',
        '2026-04-05T02:00:00+10:30',
        '2026-04-05T02:30:00+10:30',
      ]);
    });

    it('skips the half-hour spring-forward gap on Lord Howe', () => {
      const night = schedule({
        timeZone: 'Australia/Lord_Howe',
        weeklyHours: hours([7], '01:30', '03:30'),
        rules: { slotStepMinutes: 30 },
      });
      const starts = startsIn(
        member(night, { durationMinutes: 30 }),
        '2026-10-03T12:00:00+00:00',
        '2026-10-04T12:00:00+00:00',
      );
      expect(starts).toEqual(['2026-10-04T01:30:00+10:30', '2026-10-04T02:30:00+11:00', '2026-10-04T03:00:00+11:00']);
    });

    it("writes a member's slots in the caller's zone when that differs", () => {
      const london = schedule({ timeZone: 'Europe/London', weeklyHours: hours([1], '09:00', '11:00') });
      // In the weeks New York has moved its clocks and London not yet, the gap is four hours.
      expect(
        startsIn(member(london), '2026-03-16T00:00:00+00:00', '2026-03-17T00:00:00+00:00', 'America/New_York'),
      ).toEqual(['2026-03-16T05:00:00-04:00', '2026-03-16T06:00:00-04:00']);
      expect(
        startsIn(member(london), '2026-03-30T00:00:00+00:00', '2026-03-31T00:00:00+00:00', 'America/New_York'),
      ).toEqual(['2026-03-30T04:00:00-04:00', '2026-03-30T05:00:00-04:00']);
    });
  });

  describe('notice and advance', () => {
    const allWeek = schedule({
      timeZone: 'Asia/Kolkata',
      weeklyHours: hours(EVERY_DAY, '09:00', '17:00'),
      rules: { minimumNoticeMinutes: 120, maximumAdvanceDays: 1 },
    });

    it('offers nothing sooner than the notice and nothing later than the advance, both ends included', () => {
      const now = instant('2026-03-10T10:00:00+05:30');
      const starts = startsIn(member(allWeek, { now }), '2026-03-10T00:00:00+05:30', '2026-03-13T00:00:00+05:30');
      expect(starts[0]).toBe('2026-03-10T12:00:00+05:30');
      expect(starts[starts.length - 1]).toBe('2026-03-11T10:00:00+05:30');
    });
  });

  describe('buffers and bookings', () => {
    const day = schedule({
      timeZone: 'America/New_York',
      weeklyHours: hours([2], '09:00', '17:00'),
      rules: { bufferBeforeMinutes: 15, bufferAfterMinutes: 15, slotStepMinutes: 15 },
    });
    const range = ['2026-03-10T00:00:00-04:00', '2026-03-11T00:00:00-04:00'] as const;

    it('lets buffers reach outside business hours', () => {
      const starts = startsIn(member(day), ...range);
      expect(starts[0]).toBe('2026-03-10T09:00:00-04:00');
      expect(starts[starts.length - 1]).toBe('2026-03-10T16:00:00-04:00');
    });

    it('places bookings back to back with their buffers between', () => {
      const booking = {
        id: 'b1',
        start: instant('2026-03-10T11:00:00-04:00'),
        end: instant('2026-03-10T12:00:00-04:00'),
      };
      const starts = startsIn(member(day, { bookings: [booking] }), ...range);
      // Held spans [s − 15, s + 75) must stay clear of the booking's held span [10:45, 12:15).
      expect(starts).toContain('2026-03-10T09:30:00-04:00');
      expect(starts).not.toContain('2026-03-10T09:45:00-04:00');
      expect(starts).not.toContain('2026-03-10T12:15:00-04:00');
      expect(starts).toContain('2026-03-10T12:30:00-04:00');
    });

    it('offers a slot whose buffer starts exactly when an event ends, but not a minute sooner', () => {
      const busyUntil = (end: string) => [{ start: instant('2026-03-10T09:00:00-04:00'), end: instant(end) }];
      expect(startsIn(member(day, { busy: busyUntil('2026-03-10T09:45:00-04:00') }), ...range)[0]).toBe(
        '2026-03-10T10:00:00-04:00',
      );
      expect(startsIn(member(day, { busy: busyUntil('2026-03-10T09:46:00-04:00') }), ...range)[0]).toBe(
        '2026-03-10T10:15:00-04:00',
      );
    });

    it("counts our own booking's calendar event by the booking's held span, not twice", () => {
      const booking = {
        id: 'b1',
        start: instant('2026-03-10T11:00:00-04:00'),
        end: instant('2026-03-10T12:00:00-04:00'),
      };
      // The provider's copy of the event reaches further than the booking (say, edited by hand).
      const event = {
        start: instant('2026-03-10T11:00:00-04:00'),
        end: instant('2026-03-10T13:00:00-04:00'),
        bookingId: 'b1',
      };
      const starts = startsIn(member(day, { bookings: [booking], busy: [event] }), ...range);
      expect(starts).toContain('2026-03-10T12:30:00-04:00');
    });

    it('counts an event of a booking that is no longer live as ordinary busy time', () => {
      const event = {
        start: instant('2026-03-10T11:00:00-04:00'),
        end: instant('2026-03-10T12:00:00-04:00'),
        bookingId: 'gone',
      };
      const starts = startsIn(member(day, { busy: [event] }), ...range);
      expect(starts).not.toContain('2026-03-10T11:00:00-04:00');
      expect(starts).toContain('2026-03-10T12:15:00-04:00');
    });

    it('ignores the booking being rescheduled and its event', () => {
      const booking = {
        id: 'b1',
        start: instant('2026-03-10T11:00:00-04:00'),
        end: instant('2026-03-10T12:00:00-04:00'),
      };
      const event = { start: booking.start, end: booking.end, bookingId: 'b1' };
      const starts = startsIn(member(day, { bookings: [booking], busy: [event], ignoreBookingId: 'b1' }), ...range);
      expect(starts).toContain('2026-03-10T11:00:00-04:00');
    });
  });

  describe('blocked times', () => {
    it('leaves out the lunch hour on weekdays except on an exception date', () => {
      const lunch = schedule({
        timeZone: 'America/New_York',
        weeklyHours: hours([1, 2, 3, 4, 5], '11:00', '14:00'),
        blocked: [
          { rrule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', from: '12:00', to: '13:00', exceptDates: ['2026-03-11'] },
        ],
      });
      expect(startsIn(member(lunch), '2026-03-10T00:00:00-04:00', '2026-03-12T00:00:00-04:00')).toEqual([
        '2026-03-10T11:00:00-04:00',
        '2026-03-10T13:00:00-04:00',
        '2026-03-11T11:00:00-04:00',
        '2026-03-11T12:00:00-04:00',
        '2026-03-11T13:00:00-04:00',
      ]);
    });

    it('closes a yearly holiday given as an RRULE, whole day', () => {
      const christmas = schedule({
        timeZone: 'Europe/London',
        weeklyHours: hours(EVERY_DAY, '09:00', '11:00'),
        blocked: [{ rrule: 'FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25', from: '00:00', to: '24:00', label: 'Christmas' }],
      });
      expect(startsIn(member(christmas), '2026-12-24T00:00:00+00:00', '2026-12-27T00:00:00+00:00')).toEqual([
        '2026-12-24T09:00:00+00:00',
        '2026-12-24T10:00:00+00:00',
        '2026-12-26T09:00:00+00:00',
        '2026-12-26T10:00:00+00:00',
      ]);
    });

    it('blocks a whole local day and a one-off interval', () => {
      const blocked = schedule({
        timeZone: 'Pacific/Chatham',
        weeklyHours: hours(EVERY_DAY, '09:00', '12:00'),
        blocked: [{ date: '2026-09-28' }, { start: '2026-09-29T10:00:00+13:45', end: '2026-09-29T10:30:00+13:45' }],
      });
      expect(startsIn(member(blocked), '2026-09-28T00:00:00+13:45', '2026-09-30T00:00:00+13:45')).toEqual([
        '2026-09-29T09:00:00+13:45',
        '2026-09-29T11:00:00+13:45',
      ]);
    });
  });
});

describe('bookableStarts input checks', () => {
  it('refuses a duration that would make the grid meaningless', () => {
    const result = validateProfile({ timeZone: 'UTC' });
    if (!result.ok) throw new Error('invalid');
    const availability = {
      schedule: compileProfile(result.profile),
      durationMinutes: 0,
      now: 0,
      busy: [],
      bookings: [],
    };
    expect(() => bookableStarts(availability, { start: 0, end: 86_400_000 })).toThrow(RangeError);
  });
});
