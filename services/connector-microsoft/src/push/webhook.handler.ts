import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  ConnectorEvents,
  memberOf,
  OAuthCalendarStore,
  OAuthCalendarSync,
  OAuthSigners,
  PushChannelStore,
  type PushChannel,
} from '@calldesk/connector-kit';
import { ProviderWebhookRpcs, type GraphNotificationBatch, type WebhookAckSchema } from '@calldesk/contracts';
import { HandleRpc, LOGGER } from '@calldesk/service-kit';
import { channelOfSecret } from '@calldesk/signing';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

/**
 * Graph notifications, forwarded by the gateway (which checked each clientState's signature):
 * each checked again against the subscription it names, then acknowledged at once (Graph wants an
 * answer within 3 s) and processed after: calendar.changed and a sync for a change;
 * renewal, recreation or a resync for a lifecycle notification.
 */
@Injectable()
export class WebhookHandler {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly signers: OAuthSigners,
    private readonly subscriptions: PushChannelStore,
    private readonly calendars: OAuthCalendarStore,
    private readonly events: ConnectorEvents,
    private readonly sync: OAuthCalendarSync,
  ) {}

  @HandleRpc(ProviderWebhookRpcs.microsoft)
  async notify(batch: GraphNotificationBatch): Promise<MessageInitShape<typeof WebhookAckSchema>> {
    const signer = this.signers.webhook;
    if (!signer) return { accepted: false };
    const genuine: { subscription: PushChannel; lifecycleEvent: string }[] = [];
    for (const note of batch.notifications) {
      const ours = channelOfSecret(signer, note.clientState);
      const subscription = ours ? await this.subscriptions.verify(ours, note.clientState) : undefined;
      if (
        !subscription ||
        (subscription.providerId && note.subscriptionId && subscription.providerId !== note.subscriptionId)
      ) {
        this.logger.warn('notification for an unknown subscription refused', {
          subscriptionId: note.subscriptionId.slice(0, 64),
        });
        continue;
      }
      genuine.push({ subscription, lifecycleEvent: note.lifecycleEvent });
    }
    void this.process(genuine).catch((error) =>
      this.logger.warn('notification processing failed', { error: (error as Error).message }),
    );
    return { accepted: genuine.length > 0 };
  }

  private async process(notes: { subscription: PushChannel; lifecycleEvent: string }[]): Promise<void> {
    const changed = new Set<string>();
    for (const { subscription, lifecycleEvent } of notes) {
      if (lifecycleEvent) await this.lifecycle(subscription, lifecycleEvent);
      else changed.add(subscription.calendarId);
    }
    for (const calendarId of changed) {
      const calendar = await this.calendars.byId(calendarId);
      if (!calendar) continue;
      await this.events.calendarChanged(memberOf(calendar), calendar.id, `push:${randomUUID()}`);
      await this.sync.pushed(calendar.id);
    }
  }

  /**
   * reauthorizationRequired: the subscription is renewed now; subscriptionRemoved: made again;
   * missed: nothing to the subscription. Each is followed by a sync, since changes may have gone
   * untold.
   */
  private async lifecycle(subscription: PushChannel, event: string): Promise<void> {
    if (event === 'subscriptionRemoved') await this.subscriptions.remove(subscription.id);
    // Renewing is reauthorizing: marked expired here, the calendar's work renews it in place.
    if (event === 'reauthorizationRequired') await this.subscriptions.renewed(subscription.id, new Date(0));
    await this.sync.pushed(subscription.calendarId);
  }
}
