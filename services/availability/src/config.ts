import { baseConfig, setting } from '@calldesk/config';
import { z } from 'zod';

export const availabilityConfig = {
  ...baseConfig,
  /** How many member × provider busy snapshots one instance keeps. */
  BUSY_CACHE_MAX_ENTRIES: setting.int(1, 1_000_000, 20_000),
  /** The longest a busy snapshot is trusted without a calendar.changed event (a safety net). */
  BUSY_CACHE_TTL_MS: setting.int(1_000, 3_600_000, 300_000),
  /** The longest a member's profile, bookings and connections are kept without an event. */
  MEMBER_CACHE_TTL_MS: setting.int(1_000, 3_600_000, 60_000),
  /** How long routing's answer for a service is reused; bookings in the tenant drop it sooner. */
  CANDIDATES_CACHE_TTL_MS: setting.int(0, 600_000, 5_000),
  /** How long a connector may take to answer for busy times before its member is left out. */
  CONNECTOR_TIMEOUT_MS: setting.int(50, 60_000, 3_000),
  /**
   * How long the server keeps an instance's own event consumers once it stops pulling (gone, or
   * cut off from NATS); one that comes back after this makes them again and resumes where it was.
   */
  INSTANCE_CONSUMER_TTL_MS: setting.int(1_000, 86_400_000, 10 * 60_000),
  /**
   * The connectors this deployment runs (their providers, comma-separated): when connection.status
   * events availability never saw have aged out of the stream, it asks each for its connections,
   * and waits for each that does not answer.
   */
  CONNECTOR_PROVIDERS: z
    .string()
    .default('google,microsoft,caldav')
    .transform((value) =>
      value
        .split(',')
        .map((provider) => provider.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[a-z0-9-]+$/, 'must be provider names, comma-separated'))),
};

export type AvailabilityConfig = z.infer<z.ZodObject<typeof availabilityConfig>>;
