import { setting } from './settings';

/**
 * How long the booking service may take over a create or reschedule, from taking the request to
 * answering it. Booking tries another candidate only while what is left covers an attempt at its
 * slowest, and will not start with a deadline too short for routing's answer and one such attempt
 * (attemptBudgetMs in services/booking/src/config.ts). The gateway waits this long plus
 * BOOKING_REPLY_MARGIN_MS for the answer: both read it, so set it for both.
 */
export const bookingDeadlineConfig = {
  BOOKING_DEADLINE_MS: setting.int(1_000, 600_000, 45_000),
};

/** Beyond the deadline: the request's and the answer's way over NATS, and the booking's last database writes. */
export const BOOKING_REPLY_MARGIN_MS = 5_000;

/** How long a caller of bookings.create or bookings.reschedule waits before giving up. */
export function bookingReplyWaitMs(config: { BOOKING_DEADLINE_MS: number }): number {
  return config.BOOKING_DEADLINE_MS + BOOKING_REPLY_MARGIN_MS;
}
