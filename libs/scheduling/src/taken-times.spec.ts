import type { MemberAvailability } from './availability';
import { compileProfile } from './compile-profile';
import { takenIntervals } from './taken-times';

const schedule = compileProfile({
  timeZone: 'UTC',
  weeklyHours: [],
  overrides: [],
  rules: { minimumNoticeMinutes: 0, maximumAdvanceDays: 30, bufferBeforeMinutes: 5, bufferAfterMinutes: 10 },
  blocked: [],
});
const MINUTE = 60_000;

function member(extra: Partial<MemberAvailability>): MemberAvailability {
  return { schedule, durationMinutes: 30, now: 0, busy: [], bookings: [], ...extra };
}

describe('takenIntervals', () => {
  const booking = { id: 'b1', start: 100 * MINUTE, end: 130 * MINUTE };
  const ownEvent = { start: 100 * MINUTE, end: 130 * MINUTE, bookingId: 'b1' };
  const otherEvent = { start: 200 * MINUTE, end: 210 * MINUTE };
  const strayEvent = { start: 300 * MINUTE, end: 310 * MINUTE, bookingId: 'cancelled' };

  it("holds each live booking's span with buffers instead of its event, keeping other busy time", () => {
    const taken = takenIntervals(member({ bookings: [booking], busy: [strayEvent, ownEvent, otherEvent] }));
    expect(taken.sort((a, b) => a.start - b.start)).toEqual([
      { start: 95 * MINUTE, end: 140 * MINUTE },
      otherEvent,
      { start: strayEvent.start, end: strayEvent.end },
    ]);
  });

  it('leaves out the booking being rescheduled and its event', () => {
    expect(
      takenIntervals(member({ bookings: [booking], busy: [ownEvent, otherEvent], ignoreBookingId: 'b1' })),
    ).toEqual([otherEvent]);
  });

  it('holds a hold until it expires, and nothing from then on', () => {
    const hold = { id: 'h1', start: 100 * MINUTE, end: 130 * MINUTE, expiresAt: 50 * MINUTE };
    expect(takenIntervals(member({ bookings: [hold], now: 50 * MINUTE - 1 }))).toEqual([
      { start: 95 * MINUTE, end: 140 * MINUTE },
    ]);
    expect(takenIntervals(member({ bookings: [hold], now: 50 * MINUTE }))).toEqual([]);
  });
});
