import type { MemberAvailability } from './availability';
import type { Interval } from './interval';
import { heldSpan } from './rules';

/**
 * Time other appointments take from the member, in no particular order: calendar busy time plus
 * the held span (appointment and buffers) of each live booking. A calendar event that belongs to
 * a live booking is left out, since the booking's held span already stands for it; the booking
 * being rescheduled, and its event, are left out entirely, and so is a hold past its expiry.
 */
export function takenIntervals(member: MemberAvailability): Interval[] {
  const { bookings, ignoreBookingId } = member;
  const rules = member.schedule.rules;
  const live = bookings.filter(
    (booking) => booking.id !== ignoreBookingId && (booking.expiresAt === undefined || booking.expiresAt > member.now),
  );
  const liveIds = new Set(live.map((booking) => booking.id));
  const taken: Interval[] = [];
  for (const busy of member.busy) {
    const ours = busy.bookingId !== undefined && (busy.bookingId === ignoreBookingId || liveIds.has(busy.bookingId));
    if (!ours) taken.push({ start: busy.start, end: busy.end });
  }
  for (const booking of live) taken.push(heldSpan(rules, booking.start, booking.end));
  return taken;
}
