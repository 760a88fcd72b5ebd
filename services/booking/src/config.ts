import { baseConfig, bookingDeadlineConfig, ConfigError, setting } from '@calldesk/config';
import type { z } from 'zod';

export const bookingConfig = {
  ...baseConfig,
  /** BOOKING_DEADLINE_MS: a create or reschedule is answered within it; the gateway waits it and a margin. */
  ...bookingDeadlineConfig,
  /** How long a calendar lease lasts if its holder dies; a booking attempt must finish within it. */
  BOOKING_LOCK_LEASE_MS: setting.int(1_000, 120_000, 15_000),
  /** How long an attempt waits for a busy calendar before answering unavailable. */
  BOOKING_LOCK_WAIT_MS: setting.int(100, 120_000, 10_000),
  /** A pending booking older than this was left by a crash; the reconciler settles it. */
  BOOKING_PENDING_GRACE_MS: setting.int(1_000, 3_600_000, 30_000),
  BOOKING_RECONCILE_INTERVAL_MS: setting.int(100, 3_600_000, 10_000),
  /**
   * How long after a booking was undone its provider event is deleted once more: a write that
   * stalled at the provider and landed after the undo would otherwise stay in the owner's
   * calendar with no booking. Longer than a provider takes to carry out a write it was sent.
   */
  BOOKING_EVENT_SWEEP_GRACE_MS: setting.int(1_000, 86_400_000, 60_000),
  /** The outbox relay also polls, in case a wake-up was missed (e.g. rows left by a crash). */
  OUTBOX_POLL_INTERVAL_MS: setting.int(50, 60_000, 1_000),
  /** How many alternatives a conflict answers with. */
  BOOKING_ALTERNATIVES: setting.int(0, 20, 3),
  /** The connector's deadline for writing a provider event. */
  PROVIDER_WRITE_TIMEOUT_MS: setting.int(100, 60_000, 10_000),
  /** How often holds past their expiry are said to have ended (their time is free at expiry regardless). */
  HOLD_EXPIRY_INTERVAL_MS: setting.int(100, 600_000, 5_000),
  /**
   * How long a request's answer is kept for repeats of its idempotencyKey: a repeat after that is
   * a new request (and may book again).
   */
  IDEMPOTENCY_RETENTION_HOURS: setting.int(1, 87_600, 72),
  /** How long a published outbox row is kept, to look into what was sent; rows not yet published stay. */
  OUTBOX_RETENTION_HOURS: setting.int(1, 87_600, 24),
  /** How often idempotency records and published outbox rows past their retention are deleted. */
  RETENTION_PURGE_INTERVAL_MS: setting.int(1_000, 86_400_000, 600_000),
};

export type BookingConfig = z.infer<z.ZodObject<typeof bookingConfig>>;

/**
 * The longest an attempt at one candidate can take, with the answer after it: the wait for the
 * calendar's lease, the fresh availability check, the provider write, undoing a write whose answer
 * never came, and a conflict's alternatives: 35 s with the defaults.
 */
export function attemptBudgetMs(config: BookingConfig): number {
  return config.BOOKING_LOCK_WAIT_MS + config.PROVIDER_WRITE_TIMEOUT_MS + 3 * config.NATS_REQUEST_TIMEOUT_MS;
}

/** BOOKING_DEADLINE_MS must leave room for routing's answer and one attempt at its slowest. */
export function checkBookingConfig(config: BookingConfig): void {
  const least = config.NATS_REQUEST_TIMEOUT_MS + attemptBudgetMs(config);
  if (config.BOOKING_DEADLINE_MS < least) {
    throw new ConfigError(
      'BOOKING_DEADLINE_MS',
      `is invalid (${config.BOOKING_DEADLINE_MS}): must be at least ${least}, routing's answer and one booking attempt at its slowest (BOOKING_LOCK_WAIT_MS + PROVIDER_WRITE_TIMEOUT_MS + 4 × NATS_REQUEST_TIMEOUT_MS)`,
    );
  }
}
