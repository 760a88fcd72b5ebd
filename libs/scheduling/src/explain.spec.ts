import type { MemberAvailability } from './availability';
import { compileProfile } from './compile-profile';
import { type Explanation, explainStart } from './explain';
import { formatInstant, parseInstant } from './rfc3339';
import { validateProfile } from './validate-profile';

const ZONE = 'America/New_York';

function instant(text: string): number {
  const value = parseInstant(text);
  if (value === undefined) throw new Error(`not RFC 3339: ${text}`);
  return value;
}

const profile = validateProfile({
  timeZone: ZONE,
  weeklyHours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '09:00', end: '17:00' })),
  rules: {
    minimumNoticeMinutes: 120,
    maximumAdvanceDays: 14,
    bufferBeforeMinutes: 10,
    bufferAfterMinutes: 10,
    slotStepMinutes: 30,
  },
  blocked: [{ rrule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', from: '12:00', to: '13:00', label: 'lunch' }],
});
if (!profile.ok) throw new Error(JSON.stringify(profile.errors));

const member: MemberAvailability = {
  schedule: compileProfile(profile.profile),
  durationMinutes: 60,
  now: instant('2026-03-09T08:00:00-04:00'),
  busy: [{ start: instant('2026-03-10T14:00:00-04:00'), end: instant('2026-03-10T15:00:00-04:00') }],
  bookings: [{ id: 'b1', start: instant('2026-03-11T10:00:00-04:00'), end: instant('2026-03-11T11:00:00-04:00') }],
};

/** The explanation with its interval written in the member's zone. */
function explain(start: string, availability = member): Record<string, unknown> {
  const explanation: Explanation = explainStart(availability, instant(start));
  if (explanation.bookable || explanation.interval === undefined) return { ...explanation };
  const { start: from, end: to } = explanation.interval;
  return { ...explanation, interval: `${formatInstant(from, ZONE)}/${formatInstant(to, ZONE)}` };
}

describe('explainStart', () => {
  it('says bookable for a free start on the grid', () => {
    expect(explain('2026-03-10T09:30:00-04:00')).toEqual({ bookable: true });
  });

  it('names the window for a start off the grid or running past the end of hours', () => {
    const window = '2026-03-10T09:00:00-04:00/2026-03-10T17:00:00-04:00';
    expect(explain('2026-03-10T09:15:00-04:00')).toEqual({
      bookable: false,
      reason: 'outside_hours',
      interval: window,
    });
    expect(explain('2026-03-10T16:30:00-04:00')).toEqual({
      bookable: false,
      reason: 'outside_hours',
      interval: window,
    });
  });

  it('names the nearest window for a start outside every window, and none when there is none near', () => {
    expect(explain('2026-03-10T18:00:00-04:00')).toEqual({
      bookable: false,
      reason: 'outside_hours',
      interval: '2026-03-10T09:00:00-04:00/2026-03-10T17:00:00-04:00',
    });
    expect(explain('2026-03-14T12:00:00-04:00')).toEqual({
      bookable: false,
      reason: 'outside_hours',
      interval: '2026-03-13T09:00:00-04:00/2026-03-13T17:00:00-04:00',
    });
    expect(explain('2026-03-15T00:00:00-04:00')).toEqual({ bookable: false, reason: 'outside_hours' });
  });

  it('gives the allowed range of starts for too soon and too far', () => {
    const allowed = '2026-03-09T10:00:00-04:00/2026-03-23T08:00:00-04:00';
    expect(explain('2026-03-09T09:30:00-04:00')).toEqual({ bookable: false, reason: 'too_soon', interval: allowed });
    expect(explain('2026-03-23T09:00:00-04:00')).toEqual({ bookable: false, reason: 'too_far', interval: allowed });
  });

  it('checks hours before notice', () => {
    expect(explain('2026-03-09T07:00:00-04:00')).toMatchObject({ reason: 'outside_hours' });
  });

  it('names the blocked instance in the way, buffers included', () => {
    expect(explain('2026-03-10T11:00:00-04:00')).toEqual({
      bookable: false,
      reason: 'blocked',
      interval: '2026-03-10T12:00:00-04:00/2026-03-10T13:00:00-04:00',
    });
    expect(explain('2026-03-10T13:00:00-04:00')).toMatchObject({ reason: 'blocked' });
  });

  it('names the busy interval or the booking held span in the way', () => {
    expect(explain('2026-03-10T15:00:00-04:00')).toEqual({
      bookable: false,
      reason: 'slot_taken',
      interval: '2026-03-10T14:00:00-04:00/2026-03-10T15:00:00-04:00',
    });
    expect(explain('2026-03-11T09:30:00-04:00')).toEqual({
      bookable: false,
      reason: 'slot_taken',
      interval: '2026-03-11T09:50:00-04:00/2026-03-11T11:10:00-04:00',
    });
  });

  it('lets a rescheduled booking take its own time again', () => {
    expect(explain('2026-03-11T10:00:00-04:00', { ...member, ignoreBookingId: 'b1' })).toEqual({ bookable: true });
  });
});
