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
 * Every Microsoft endpoint is configurable, so tests point the connector at the fake. Secrets are
 * optional so that a stack without them starts; such an instance refuses to connect (and creates
 * no subscriptions without WEBHOOK_SECRET: the periodic delta sync still runs).
 */
export const microsoftConfig = {
  ...baseConfig,
  ...credentialsConfig,
  /** The gateway, where Microsoft sends the user back and posts notifications: https in production. */
  PUBLIC_BASE_URL: httpUrl.default('http://localhost:8080'),
  MICROSOFT_CLIENT_ID: z.string().optional(),
  MICROSOFT_CLIENT_SECRET: z.string().optional(),
  OAUTH_STATE_SECRET: secret,
  WEBHOOK_SECRET: secret,
  MICROSOFT_AUTHORIZE_URL: httpUrl.default('https://login.microsoftonline.com/common/oauth2/v2.0/authorize'),
  MICROSOFT_TOKEN_URL: httpUrl.default('https://login.microsoftonline.com/common/oauth2/v2.0/token'),
  /** Graph's root (the client appends v1.0/...). */
  MICROSOFT_GRAPH_URL: httpUrl.default('https://graph.microsoft.com/'),
  OAUTH_STATE_TTL_S: int(60, 86_400, 900),
  TOKEN_REFRESH_MARGIN_S: int(0, 3_000, 300),
  /** Lifetime asked for each subscription (Graph allows 4230 minutes for events). */
  MICROSOFT_SUBSCRIPTION_TTL_MIN: int(1, 4_230, 4_200),
  /** Renew a subscription when less than this is left of it. */
  MICROSOFT_SUBSCRIPTION_RENEW_BEFORE_S: int(10, 259_200, 86_400),
  /** The window the delta sync watches, from a day back; a new round starts weekly. */
  DELTA_WINDOW_DAYS: int(1, 1_500, 400),
  DELTA_ROUND_DAYS: int(1, 365, 7),
  SYNC_INTERVAL_MS: int(1_000, 86_400_000, 900_000),
  MAINTENANCE_INTERVAL_MS: int(100, 3_600_000, 30_000),
  PROVIDER_BUDGET_MS: int(100, 60_000, 4_000),
  PROVIDER_MAX_ATTEMPTS: int(1, 10, 4),
  PROVIDER_ATTEMPT_TIMEOUT_MS: int(50, 60_000, 2_500),
  PROVIDER_BACKOFF_MS: int(1, 10_000, 200),
  CIRCUIT_FAILURE_THRESHOLD: int(1, 100, 5),
  CIRCUIT_OPEN_MS: int(100, 600_000, 15_000),
};

export type MicrosoftConfig = z.infer<z.ZodObject<typeof microsoftConfig>>;
