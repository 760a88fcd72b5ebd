import { randomUUID } from 'node:crypto';
import { OAuthSigners, PushChannels, type OAuthCalendar, type OAuthConnection } from '@calldesk/connector-kit';
import { LOGGER, SERVICE_CONFIG } from '@calldesk/service-kit';
import { issueChannelSecret } from '@calldesk/signing';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import type { GoogleConfig } from '../config';
import { GoogleClient } from '../google/google-client';
import { isGoogleStatus } from '../google/google-errors';
import { stopChannel, watchCalendar } from '../google/watch-calendar';
import { ChannelStore, type Channel } from './channel.store';

/** A channel left 'opening' this long had its watch call fail midway. */
const STALE_CHANNEL_MS = 10 * 60_000;

/** Google push channels, one per calendar: a new one opened before the old expires, then the old stopped. */
@Injectable()
export class GoogleChannels extends PushChannels {
  readonly renewWithinMs: number;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GoogleConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly client: GoogleClient,
    private readonly channels: ChannelStore,
    private readonly signers: OAuthSigners,
  ) {
    super();
    this.renewWithinMs = config.GOOGLE_CHANNEL_RENEW_BEFORE_S * 1_000;
  }

  async ensure(calendar: OAuthCalendar, connection: OAuthConnection): Promise<void> {
    const existing = await this.channels.ofCalendar(calendar.id);
    const renewAt = Date.now() + this.renewWithinMs;
    if (existing.some((c) => c.state === 'open' && (c.expiresAt?.getTime() ?? 0) > renewAt)) return;
    const id = randomUUID();
    const token = issueChannelSecret(this.signers.webhook!, id);
    // Stored first: Google's first message ("sync") may arrive before the watch call returns.
    await this.channels.add(id, calendar.id, token);
    try {
      const address = new URL('/v1/webhooks/google', this.config.PUBLIC_BASE_URL).toString();
      const opened = await this.client.call('events.watch', { connection, calendar }, (api, signal) =>
        watchCalendar(api, signal, calendar.providerCalendarId, { id, token, address, ttlSeconds: this.config.GOOGLE_CHANNEL_TTL_S }),
      );
      await this.channels.opened(id, opened.resourceId, new Date(opened.expiration));
    } catch (error) {
      await this.channels.remove(id);
      throw error;
    }
    for (const old of existing.filter((c) => c.state === 'open')) await this.close(old, connection);
  }

  async stop(calendar: OAuthCalendar, connection?: OAuthConnection): Promise<void> {
    for (const channel of await this.channels.ofCalendar(calendar.id)) await this.close(channel, connection);
  }

  async forgetStale(): Promise<void> {
    for (const channel of await this.channels.stale(STALE_CHANNEL_MS)) await this.channels.remove(channel.id);
  }

  private async close(channel: Channel, connection?: OAuthConnection): Promise<void> {
    if (connection?.status === 'connected' && channel.resourceId) {
      await this.client
        .call('channels.stop', { connection, calendar: { id: channel.calendarId } }, (api, signal) => stopChannel(api, signal, { id: channel.id, resourceId: channel.resourceId! }))
        .catch((error) => {
          // Gone already (404) or unreachable: it expires on its own, and its messages are refused.
          if (!isGoogleStatus(error, 404)) this.logger.warn('channel not stopped', { channelId: channel.id, error: (error as Error).message });
        });
    }
    await this.channels.remove(channel.id);
  }
}
