import { setting } from '@calldesk/config';
import { oauthConnectorConfig } from '@calldesk/connector-kit';
import { z } from 'zod';

/** Every Microsoft endpoint is configurable, so tests point the connector at the fake. */
export const microsoftConfig = {
  ...oauthConnectorConfig,
  MICROSOFT_CLIENT_ID: z.string().optional(),
  MICROSOFT_CLIENT_SECRET: z.string().optional(),
  MICROSOFT_AUTHORIZE_URL: setting.httpUrl().default('https://login.microsoftonline.com/common/oauth2/v2.0/authorize'),
  MICROSOFT_TOKEN_URL: setting.httpUrl().default('https://login.microsoftonline.com/common/oauth2/v2.0/token'),
  /** Graph's root (the client appends v1.0/...). */
  MICROSOFT_GRAPH_URL: setting.httpUrl().default('https://graph.microsoft.com/'),
  /** Lifetime asked for each subscription (Graph allows 4230 minutes for events). */
  MICROSOFT_SUBSCRIPTION_TTL_MIN: setting.int(1, 4_230, 4_200),
  /** Renew a subscription when less than this is left of it. */
  MICROSOFT_SUBSCRIPTION_RENEW_BEFORE_S: setting.int(10, 259_200, 86_400),
  /** How far ahead a sync reads each calendar's view (from a day back): as far as bookings are taken. */
  SYNC_WINDOW_DAYS: setting.int(1, 3_650, 400),
};

export type MicrosoftConfig = z.infer<z.ZodObject<typeof microsoftConfig>>;
