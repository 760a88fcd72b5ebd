import { baseConfig, setting } from '@calldesk/config';
import { z } from 'zod';

export const bookingConfig = {
  ...baseConfig,
  /** How long a calendar lease lasts if its holder dies; a booking attempt must finish within it. */
  BOOKING_LOCK_LEASE_MS: setting.int(1_000, 120_000, 15_000),
  /** How long an attempt waits for a busy calendar before answering unavailable. */
  BOOKING_LOCK_WAIT_MS: setting.int(100, 120_000, 10_000),
  /** A pending booking older than this was left by a crash; the reconciler settles it. */
  BOOKING_PENDING_GRACE_MS: setting.int(1_000, 3_600_000, 30_000),
  BOOKING_RECONCILE_INTERVAL_MS: setting.int(100, 3_600_000, 10_000),
  /** The outbox relay also polls, in case a wake-up was missed (e.g. rows left by a crash). */
  OUTBOX_POLL_INTERVAL_MS: setting.int(50, 60_000, 1_000),
  /** How many alternatives a conflict answers with. */
  BOOKING_ALTERNATIVES: setting.int(0, 20, 3),
  /** The connector's deadline for writing a provider event. */
  PROVIDER_WRITE_TIMEOUT_MS: setting.int(100, 60_000, 10_000),
};

export type BookingConfig = z.infer<z.ZodObject<typeof bookingConfig>>;
