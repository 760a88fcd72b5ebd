import { PushChannels, type OAuthConnection, type PushTarget } from '@calldesk/connector-kit';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { GoogleConfig } from '../config';
import { GoogleClient } from '../google/google-client';
import { stopChannel, watchCalendar } from '../google/watch-calendar';

/** Google push channels: a channel is not renewed, its successor is opened before it expires. */
@Injectable()
export class GoogleChannels extends PushChannels {
  readonly renewWithinMs: number;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GoogleConfig,
    private readonly client: GoogleClient,
  ) {
    super();
    this.renewWithinMs = config.GOOGLE_CHANNEL_RENEW_BEFORE_S * 1_000;
  }

  async open(
    target: PushTarget,
    channel: { id: string; secret: string },
  ): Promise<{ providerId: string; expiresAt: Date }> {
    const address = new URL('/v1/webhooks/google', this.config.PUBLIC_BASE_URL).toString();
    const opened = await this.client.call('events.watch', target, (api, signal) =>
      watchCalendar(api, signal, target.calendar.providerCalendarId, {
        id: channel.id,
        token: channel.secret,
        address,
        ttlSeconds: this.config.GOOGLE_CHANNEL_TTL_S,
      }),
    );
    return { providerId: opened.resourceId, expiresAt: new Date(opened.expiration) };
  }

  async renew(): Promise<undefined> {
    return undefined;
  }

  async close(
    target: { connection: OAuthConnection; calendar: { id: string } },
    channel: { id: string; providerId: string },
  ): Promise<void> {
    await this.client.call('channels.stop', target, (api, signal) =>
      stopChannel(api, signal, { id: channel.id, resourceId: channel.providerId }),
    );
  }
}
