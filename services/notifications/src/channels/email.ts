import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { NotificationsConfig } from '../config';
import { send, type Sent } from './http-send';

/** Mails through a SendGrid-compatible v3 mail API. */
@Injectable()
export class EmailChannel {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig) {}

  mail(to: string, subject: string, text: string): Promise<Sent> {
    const { EMAIL_API_URL, EMAIL_API_KEY, EMAIL_FROM, NOTIFY_TIMEOUT_MS } = this.config;
    return send(
      `${EMAIL_API_URL}/v3/mail/send`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${EMAIL_API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          personalizations: [{ to: [{ email: to }] }],
          from: { email: EMAIL_FROM },
          subject,
          content: [{ type: 'text/plain', value: text }],
        }),
      },
      NOTIFY_TIMEOUT_MS,
      async (response) => response.headers.get('x-message-id') ?? undefined,
    );
  }
}
