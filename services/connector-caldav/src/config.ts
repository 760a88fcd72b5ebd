import { baseConfig, setting } from '@calldesk/config';
import { credentialsConfig } from '@calldesk/connector-kit';
import { z } from 'zod';

export const caldavConfig = {
  ...baseConfig,
  ...credentialsConfig,
  /** How often each calendar's ctag / sync-token is polled for changes (CalDAV has no push). */
  CALDAV_POLL_SECONDS: setting.int(1, 3_600, 10),
  /** How often each connection's calendar list is read again, for calendars made since (deleted ones show at once). */
  CALDAV_LIST_REFRESH_SECONDS: setting.int(1, 86_400, 900),
  /** The server of the `apple` provider when the request names none. */
  CALDAV_APPLE_SERVER_URL: z.string().url().default('https://caldav.icloud.com/'),
  /** Recurrence instances expanded per event series and request, at most; beyond, the rest counts as busy. */
  CALDAV_MAX_INSTANCES: setting.int(100, 1_000_000, 10_000),
  /**
   * The most bytes one answer of a server may have, counted as they arrive: past it the request
   * is dropped at once and the read fails (calendar_too_large).
   */
  CALDAV_MAX_RESPONSE_BYTES: setting.int(65_536, 1_073_741_824, 10 * 1_048_576),
  /**
   * The largest calendar object a busy read takes, in characters (no more than its bytes): a
   * meeting with every override of a long series is some tens of KiB; past it the read stops at
   * once and fails (calendar_too_large), without waiting for the rest of the answer.
   */
  CALDAV_MAX_OBJECT_BYTES: setting.int(4_096, 1_073_741_824, 1_048_576),
  /** Calendar objects one busy read of a calendar may take; past it the read fails (calendar_too_large). */
  CALDAV_MAX_OBJECTS: setting.int(1, 1_000_000, 5_000),
  /**
   * Milliseconds of our own work (reading the server's XML, parsing and expanding objects) one
   * busy read of a calendar may take; past it the read fails (calendar_too_complex).
   */
  CALDAV_PARSE_BUDGET_MS: setting.int(10, 60_000, 2_000),
  /**
   * The most a busy read of one calendar may take, retries and the whole answer included
   * (availability waits 3 s); a server that has not finished by then is server_too_slow.
   */
  CALDAV_BUSY_BUDGET_MS: setting.int(100, 60_000, 2_500),
  /**
   * The most one other request (a write, a discovery step, a poll's) may take, retries included:
   * booking waits 10 s for a write in all, and the gateway 5 s for a connect.
   */
  CALDAV_CALL_BUDGET_MS: setting.int(100, 120_000, 4_000),
  /** The most one HTTP attempt may take. */
  CALDAV_ATTEMPT_TIMEOUT_MS: setting.int(100, 120_000, 5_000),
  /** Consecutive failures that mark a server down, and how long it then rests before one probe. */
  CALDAV_BREAKER_FAILURES: setting.int(1, 100, 3),
  CALDAV_BREAKER_OPEN_MS: setting.int(100, 600_000, 30_000),
  /**
   * Allow http:// servers and loopback or private addresses (tests, on-premises servers). Off,
   * a tenant cannot point the connector at the cluster's own network.
   */
  CALDAV_ALLOW_PRIVATE_NETWORKS: setting.flag(),
  /**
   * Self-hosted servers allowed by name (host names or addresses, comma-separated) although they
   * are private or on http://, without opening every private address to every tenant.
   */
  CALDAV_PRIVATE_SERVERS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((host) =>
          host
            .trim()
            .toLowerCase()
            .replace(/^\[|\]$/g, ''),
        )
        .filter(Boolean),
    ),
};

export type CaldavConfig = z.infer<z.ZodObject<typeof caldavConfig>>;
