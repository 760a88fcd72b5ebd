import { baseConfig, setting } from '@calldesk/config';
import { z } from 'zod';

export const notificationsConfig = {
  ...baseConfig,
  /** A Twilio-compatible Messages API: {SMS_API_URL}/Accounts/{SMS_ACCOUNT_SID}/Messages.json. */
  SMS_API_URL: setting.httpUrl().default('https://api.twilio.com/2010-04-01'),
  SMS_ACCOUNT_SID: z.string().min(1).default('unset'),
  SMS_AUTH_TOKEN: z.string().min(1).default('unset'),
  /** The number texts come from, E.164. */
  SMS_FROM: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number')
    .default('+15005550006'),
  /** A SendGrid-compatible mail API: POST {EMAIL_API_URL}/v3/mail/send with a bearer key. */
  EMAIL_API_URL: setting.httpUrl().default('https://api.sendgrid.com'),
  EMAIL_API_KEY: z.string().min(1).default('unset'),
  EMAIL_FROM: z.string().email().default('bookings@calldesk.invalid'),
  /** How long one delivery attempt may take before it counts as failed (and is retried). */
  NOTIFY_TIMEOUT_MS: setting.int(100, 60_000, 5_000),
};

export type NotificationsConfig = z.infer<z.ZodObject<typeof notificationsConfig>>;
