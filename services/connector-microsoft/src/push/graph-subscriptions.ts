import { PushChannels, type OAuthConnection, type PushTarget } from '@calldesk/connector-kit';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { MicrosoftConfig } from '../config';
import { GraphClient } from '../graph/graph-client';
import { renew, subscribe, unsubscribe } from '../graph/subscriptions';

/** Graph subscriptions to a calendar's events, renewed in place well before they expire. */
@Injectable()
export class GraphSubscriptions extends PushChannels {
  readonly renewWithinMs: number;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: MicrosoftConfig,
    private readonly client: GraphClient,
  ) {
    super();
    this.renewWithinMs = config.MICROSOFT_SUBSCRIPTION_RENEW_BEFORE_S * 1_000;
  }

  async open(
    target: PushTarget,
    channel: { id: string; secret: string },
  ): Promise<{ providerId: string; expiresAt: Date }> {
    const notificationUrl = new URL('/v1/webhooks/microsoft', this.config.PUBLIC_BASE_URL).toString();
    const made = await this.client.call('subscriptions.create', target, (api, signal) =>
      subscribe(api, signal, target.calendar.providerCalendarId, {
        notificationUrl,
        clientState: channel.secret,
        expiresAt: this.expiry(),
      }),
    );
    return { providerId: made.subscriptionId, expiresAt: made.expiresAt };
  }

  renew(target: PushTarget, providerId: string): Promise<Date> {
    return this.client.call('subscriptions.renew', target, (api, signal) =>
      renew(api, signal, providerId, this.expiry()),
    );
  }

  async close(
    target: { connection: OAuthConnection; calendar: { id: string } },
    channel: { id: string; providerId: string },
  ): Promise<void> {
    await this.client.call('subscriptions.delete', target, (api, signal) =>
      unsubscribe(api, signal, channel.providerId),
    );
  }

  private expiry(): Date {
    return new Date(Date.now() + this.config.MICROSOFT_SUBSCRIPTION_TTL_MIN * 60_000);
  }
}
