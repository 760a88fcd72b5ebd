import type { Interval } from './interval';
import type { MemberSchedule } from './profile';

/** Everything that decides which starts one member can take for one service. */
export interface MemberAvailability {
  schedule: MemberSchedule;
  durationMinutes: number;
  /** The time of the question; notice and advance count from it. */
  now: number;
  /** Busy time from the member's booking and blocking calendars. */
  busy: readonly BusyInterval[];
  /** The member's live (pending or confirmed) bookings and holds. */
  bookings: readonly LiveBooking[];
  /** A booking being rescheduled: neither it nor its calendar event blocks anything. */
  ignoreBookingId?: string;
}

/** Busy time; `bookingId` marks the calendar event of one of our bookings. */
export interface BusyInterval extends Interval {
  bookingId?: string;
}

/** A booking's appointment [start, end), without buffers; a hold's too, until it expires. */
export interface LiveBooking extends Interval {
  id: string;
  /** A hold's end: from then on it holds nothing, whether or not anyone said so. */
  expiresAt?: number;
}

export interface Slot extends Interval {
  memberId: string;
}
