import { baseConfig, setting } from '@calldesk/config';
import type { z } from 'zod';
import { credentialsConfig } from '../credential-vault';

/**
 * What the Google and Microsoft connectors both read. Secrets are optional so that a stack
 * without them starts; such an instance refuses to connect, and opens no push channels or
 * subscriptions without WEBHOOK_SECRET (the periodic sync still runs).
 */
export const oauthConnectorConfig = {
  ...baseConfig,
  ...credentialsConfig,
  /** The gateway, where the provider sends the user back and posts its notifications: https in production. */
  PUBLIC_BASE_URL: setting.httpUrl().default('http://localhost:8080'),
  /** Signs the OAuth state (one secret for both connectors and the gateway). */
  OAUTH_STATE_SECRET: setting.secret(),
  /** Signs push channel tokens and subscription client states; the gateway checks them with the same secret. */
  WEBHOOK_SECRET: setting.secret(),
  /** How long a sign-in link may wait for consent: a few minutes is plenty, and a stolen link is worth little after. */
  OAUTH_STATE_TTL_S: setting.int(60, 3_600, 600),
  /** Refresh an access token this long before it expires. */
  TOKEN_REFRESH_MARGIN_S: setting.int(0, 3_000, 300),
  /** The safety-net incremental sync of each calendar, push or not. */
  SYNC_INTERVAL_MS: setting.int(1_000, 86_400_000, 900_000),
  /**
   * How often each connection's calendar list is read again, for calendars made or deleted since.
   * Hourly, 10,000 connections make under 200 list calls a minute: a small share of a project's
   * per-minute quota, which the same calls must share with every busy read and sync.
   */
  CALENDAR_LIST_REFRESH_MS: setting.int(1_000, 86_400_000, 3_600_000),
  /** How often this instance looks for push channels to renew and calendars due a sync. */
  MAINTENANCE_INTERVAL_MS: setting.int(100, 3_600_000, 30_000),
  /** Retry policy of every provider call: total time, attempts, per-attempt timeout, first pause. */
  PROVIDER_BUDGET_MS: setting.int(100, 60_000, 4_000),
  PROVIDER_MAX_ATTEMPTS: setting.int(1, 10, 4),
  PROVIDER_ATTEMPT_TIMEOUT_MS: setting.int(50, 60_000, 2_500),
  PROVIDER_BACKOFF_MS: setting.int(1, 10_000, 200),
  /** Consecutive failures that open a connection's circuit, and how long it stays open. */
  CIRCUIT_FAILURE_THRESHOLD: setting.int(1, 100, 5),
  CIRCUIT_OPEN_MS: setting.int(100, 600_000, 15_000),
};

export type OAuthConnectorConfig = z.infer<z.ZodObject<typeof oauthConnectorConfig>>;
