import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  ConnectorEvents,
  memberOf,
  OAuthCalendarStore,
  OAuthCalendarSync,
  OAuthSigners,
  PushChannelStore,
} from '@calldesk/connector-kit';
import { ProviderWebhookRpcs, type GoogleChannelNotification, type WebhookAckSchema } from '@calldesk/contracts';
import { HandleRpc, LOGGER } from '@calldesk/service-kit';
import { channelOfSecret } from '@calldesk/signing';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable } from '@nestjs/common';

/**
 * A Google push message, forwarded by the gateway (which checked the token's signature): the
 * channel and its token checked again against what we stored, then calendar.changed at once (so
 * availability drops its cached busy times) and an incremental sync after.
 */
@Injectable()
export class WebhookHandler {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly signers: OAuthSigners,
    private readonly channels: PushChannelStore,
    private readonly calendars: OAuthCalendarStore,
    private readonly events: ConnectorEvents,
    private readonly sync: OAuthCalendarSync,
  ) {}

  @HandleRpc(ProviderWebhookRpcs.google)
  async notify(message: GoogleChannelNotification): Promise<MessageInitShape<typeof WebhookAckSchema>> {
    const signer = this.signers.webhook;
    if (!signer || channelOfSecret(signer, message.channelToken) !== message.channelId) return { accepted: false };
    const channel = await this.channels.verify(message.channelId, message.channelToken);
    if (!channel || (channel.providerId && message.resourceId && channel.providerId !== message.resourceId)) {
      this.logger.warn('push for an unknown channel refused', { channelId: message.channelId.slice(0, 64) });
      return { accepted: false };
    }
    if (message.resourceState === 'sync') return { accepted: true };
    const calendar = await this.calendars.byId(channel.calendarId);
    if (!calendar) return { accepted: false };
    await this.events.calendarChanged(memberOf(calendar), calendar.id, `push:${channel.id}:${message.messageNumber}`);
    void this.sync
      .pushed(calendar.id)
      .catch((error) =>
        this.logger.warn('sync after push failed', { calendarId: calendar.id, error: (error as Error).message }),
      );
    return { accepted: true };
  }
}
