import { baseConfig } from '@calldesk/config';
import { credentialsConfig } from '@calldesk/connector-kit';
import { z } from 'zod';

const int = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);
const httpUrl = z
  .string()
  .url()
  .refine((value) => /^https?:\/\//.test(value), { message: 'must be an http or https URL' });
const secret = z.string().min(16, 'must have at least 16 characters').optional();

/**
 * Every Google endpoint is configurable, so tests point the connector at the fake. Secrets are
 * optional so that a stack without them starts; such an instance refuses to connect (and has no
 * push without WEBHOOK_SECRET: the periodic sync still runs).
 */
export const googleConfig = {
  ...baseConfig,
  ...credentialsConfig,
  /** Where Google sends the user back and posts push messages (the gateway): https in production. */
  PUBLIC_BASE_URL: httpUrl.default('http://localhost:8080'),
  GOOGLE_CLIENT_ID: z.string().optional(),
  GOOGLE_CLIENT_SECRET: z.string().optional(),
  /** Signs the OAuth state (shared by the Google and Microsoft connectors). */
  OAUTH_STATE_SECRET: secret,
  /** Signs push channel tokens; the gateway checks them with the same secret. */
  WEBHOOK_SECRET: secret,
  GOOGLE_AUTH_URL: httpUrl.default('https://accounts.google.com/o/oauth2/v2/auth'),
  GOOGLE_TOKEN_URL: httpUrl.default('https://oauth2.googleapis.com/token'),
  GOOGLE_REVOKE_URL: httpUrl.default('https://oauth2.googleapis.com/revoke'),
  /** The Calendar API's root (the client appends calendar/v3/...). */
  GOOGLE_API_ROOT_URL: httpUrl.default('https://www.googleapis.com/'),
  OAUTH_STATE_TTL_S: int(60, 86_400, 900),
  /** Refresh an access token this long before it expires. */
  TOKEN_REFRESH_MARGIN_S: int(0, 3_000, 300),
  /** Push channel lifetime asked of Google (its default and maximum is 7 days). */
  GOOGLE_CHANNEL_TTL_S: int(60, 2_592_000, 604_800),
  /** Open a channel's successor when less than this is left of it. */
  GOOGLE_CHANNEL_RENEW_BEFORE_S: int(10, 604_800, 86_400),
  /** The safety-net incremental sync of each calendar, push or not. */
  SYNC_INTERVAL_MS: int(1_000, 86_400_000, 900_000),
  /** How often this instance looks for channels to renew and calendars due a sync. */
  MAINTENANCE_INTERVAL_MS: int(100, 3_600_000, 30_000),
  /** freeBusy windows longer than this are split (Google refuses about 90 days and more). */
  FREEBUSY_MAX_DAYS: int(1, 90, 60),
  /** Retry policy of every Google call: total time, attempts, per-attempt timeout. */
  PROVIDER_BUDGET_MS: int(100, 60_000, 4_000),
  PROVIDER_MAX_ATTEMPTS: int(1, 10, 4),
  PROVIDER_ATTEMPT_TIMEOUT_MS: int(50, 60_000, 2_500),
  PROVIDER_BACKOFF_MS: int(1, 10_000, 200),
  /** Consecutive failures that open a connection's circuit, and how long it stays open. */
  CIRCUIT_FAILURE_THRESHOLD: int(1, 100, 5),
  CIRCUIT_OPEN_MS: int(100, 600_000, 15_000),
};

export type GoogleConfig = z.infer<z.ZodObject<typeof googleConfig>>;
