import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { NotificationsConfig } from '../config';
import { send, type Sent } from './http-send';

/** Texts through a Twilio-compatible Messages API. */
@Injectable()
export class SmsChannel {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig) {}

  text(to: string, body: string): Promise<Sent> {
    const { SMS_API_URL, SMS_ACCOUNT_SID, SMS_AUTH_TOKEN, SMS_FROM, NOTIFY_TIMEOUT_MS } = this.config;
    return send(
      `${SMS_API_URL}/Accounts/${encodeURIComponent(SMS_ACCOUNT_SID)}/Messages.json`,
      {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${SMS_ACCOUNT_SID}:${SMS_AUTH_TOKEN}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ To: to, From: SMS_FROM, Body: body }).toString(),
      },
      NOTIFY_TIMEOUT_MS,
      async (response) => ((await response.json()) as { sid?: string }).sid,
    );
  }
}
