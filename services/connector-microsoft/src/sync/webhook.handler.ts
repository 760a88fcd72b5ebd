import type { MessageInitShape } from '@bufbuild/protobuf';
import { ConnectorEvents, memberOf, OAuthSigners } from '@calldesk/connector-kit';
import { ProviderWebhookRpcs, type GraphNotificationBatch, type WebhookAckSchema } from '@calldesk/contracts';
import { HandleRpc, LOGGER } from '@calldesk/service-kit';
import { channelOfSecret } from '@calldesk/signing';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { CalendarStore } from '../store/calendar.store';
import { SubscriptionStore, type Subscription } from '../store/subscription.store';
import { CalendarSync } from './calendar-sync';

/**
 * Graph notifications, forwarded by the gateway (which checked each clientState's signature):
 * each checked again against the subscription it names, then acknowledged at once (Graph wants an
 * answer within 3 s) and processed after: calendar.changed and a delta sync for a change;
 * renewal, recreation or a resync for a lifecycle notification.
 */
@Injectable()
export class WebhookHandler {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly signers: OAuthSigners,
    private readonly subscriptions: SubscriptionStore,
    private readonly calendars: CalendarStore,
    private readonly events: ConnectorEvents,
    private readonly sync: CalendarSync,
  ) {}

  @HandleRpc(ProviderWebhookRpcs.microsoft)
  async notify(batch: GraphNotificationBatch): Promise<MessageInitShape<typeof WebhookAckSchema>> {
    const signer = this.signers.webhook;
    if (!signer) return { accepted: false };
    const genuine: { subscription: Subscription; lifecycleEvent: string }[] = [];
    for (const note of batch.notifications) {
      const ours = channelOfSecret(signer, note.clientState);
      const subscription = ours ? await this.subscriptions.verify(ours, note.clientState) : undefined;
      if (!subscription || (subscription.subscriptionId && note.subscriptionId && subscription.subscriptionId !== note.subscriptionId)) {
        this.logger.warn('notification for an unknown subscription refused', { subscriptionId: note.subscriptionId.slice(0, 64) });
        continue;
      }
      genuine.push({ subscription, lifecycleEvent: note.lifecycleEvent });
    }
    void this.process(genuine).catch((error) => this.logger.warn('notification processing failed', { error: (error as Error).message }));
    return { accepted: genuine.length > 0 };
  }

  private async process(notes: { subscription: Subscription; lifecycleEvent: string }[]): Promise<void> {
    const changed = new Set<string>();
    for (const { subscription, lifecycleEvent } of notes) {
      if (lifecycleEvent) await this.sync.lifecycle(subscription, lifecycleEvent);
      else changed.add(subscription.calendarId);
    }
    for (const calendarId of changed) {
      const calendar = await this.calendars.byId(calendarId);
      if (!calendar) continue;
      await this.events.calendarChanged(memberOf(calendar), calendar.id, `push:${randomUUID()}`);
      await this.sync.pushed(calendar.id);
    }
  }
}
