import { setting } from '@calldesk/config';
import { oauthConnectorConfig } from '@calldesk/connector-kit';
import { z } from 'zod';

/** Every Google endpoint is configurable, so tests point the connector at the fake. */
export const googleConfig = {
  ...oauthConnectorConfig,
  GOOGLE_CLIENT_ID: z.string().optional(),
  GOOGLE_CLIENT_SECRET: z.string().optional(),
  GOOGLE_AUTH_URL: setting.httpUrl().default('https://accounts.google.com/o/oauth2/v2/auth'),
  GOOGLE_TOKEN_URL: setting.httpUrl().default('https://oauth2.googleapis.com/token'),
  GOOGLE_REVOKE_URL: setting.httpUrl().default('https://oauth2.googleapis.com/revoke'),
  /** The Calendar API's root (the client appends calendar/v3/...). */
  GOOGLE_API_ROOT_URL: setting.httpUrl().default('https://www.googleapis.com/'),
  /** Push channel lifetime asked of Google (its default and maximum is 7 days). */
  GOOGLE_CHANNEL_TTL_S: setting.int(60, 2_592_000, 604_800),
  /** Open a channel's successor when less than this is left of it. */
  GOOGLE_CHANNEL_RENEW_BEFORE_S: setting.int(10, 604_800, 86_400),
  /** freeBusy windows longer than this are split (Google refuses about 90 days and more). */
  FREEBUSY_MAX_DAYS: setting.int(1, 90, 60),
};

export type GoogleConfig = z.infer<z.ZodObject<typeof googleConfig>>;
