import { randomUUID } from 'node:crypto';
import { OAuthSigners, PushChannels, type OAuthCalendar, type OAuthConnection } from '@calldesk/connector-kit';
import { LOGGER, SERVICE_CONFIG } from '@calldesk/service-kit';
import { issueChannelSecret } from '@calldesk/signing';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import type { MicrosoftConfig } from '../config';
import { GraphClient } from '../graph/graph-client';
import { isGraphStatus } from '../graph/graph-errors';
import { renew, subscribe, unsubscribe } from '../graph/subscriptions';
import { SubscriptionStore, type Subscription } from './subscription.store';

/** A subscription left 'opening' this long had its create call fail midway. */
const STALE_SUBSCRIPTION_MS = 10 * 60_000;

/** Graph subscriptions, one per calendar: renewed in place well before they expire; made again when Graph removed one. */
@Injectable()
export class GraphSubscriptions extends PushChannels {
  readonly renewWithinMs: number;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: MicrosoftConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly client: GraphClient,
    private readonly subscriptions: SubscriptionStore,
    private readonly signers: OAuthSigners,
  ) {
    super();
    this.renewWithinMs = config.MICROSOFT_SUBSCRIPTION_RENEW_BEFORE_S * 1_000;
  }

  async ensure(calendar: OAuthCalendar, connection: OAuthConnection): Promise<void> {
    const existing = await this.subscriptions.ofCalendar(calendar.id);
    const renewAt = Date.now() + this.renewWithinMs;
    if (existing.some((s) => s.state === 'open' && (s.expiresAt?.getTime() ?? 0) > renewAt)) return;
    const expiresAt = new Date(Date.now() + this.config.MICROSOFT_SUBSCRIPTION_TTL_MIN * 60_000);
    const target = { connection, calendar };
    const current = existing.find((s) => s.state === 'open' && s.subscriptionId);
    if (current) {
      try {
        const renewed = await this.client.call('subscriptions.renew', target, (api, signal) => renew(api, signal, current.subscriptionId!, expiresAt));
        await this.subscriptions.renewed(current.id, renewed);
        return;
      } catch (error) {
        if (!isGraphStatus(error, 404)) throw error;
        await this.subscriptions.remove(current.id);
      }
    }
    const id = randomUUID();
    const clientState = issueChannelSecret(this.signers.webhook!, id);
    await this.subscriptions.add(id, calendar.id, clientState);
    try {
      const notificationUrl = new URL('/v1/webhooks/microsoft', this.config.PUBLIC_BASE_URL).toString();
      const made = await this.client.call('subscriptions.create', target, (api, signal) =>
        subscribe(api, signal, calendar.providerCalendarId, { notificationUrl, clientState, expiresAt }),
      );
      await this.subscriptions.opened(id, made.subscriptionId, made.expiresAt);
    } catch (error) {
      await this.subscriptions.remove(id);
      throw error;
    }
    for (const old of existing.filter((s) => s.id !== current?.id || s.state !== 'open')) await this.drop(old, connection);
  }

  async stop(calendar: OAuthCalendar, connection?: OAuthConnection): Promise<void> {
    for (const subscription of await this.subscriptions.ofCalendar(calendar.id)) await this.drop(subscription, connection);
  }

  async forgetStale(): Promise<void> {
    for (const subscription of await this.subscriptions.stale(STALE_SUBSCRIPTION_MS)) await this.subscriptions.remove(subscription.id);
  }

  private async drop(subscription: Subscription, connection?: OAuthConnection): Promise<void> {
    if (connection?.status === 'connected' && subscription.subscriptionId) {
      await this.client
        .call('subscriptions.delete', { connection, calendar: { id: subscription.calendarId } }, (api, signal) => unsubscribe(api, signal, subscription.subscriptionId!))
        .catch((error) => {
          if (!isGraphStatus(error, 404)) this.logger.warn('subscription not deleted', { subscriptionId: subscription.id, error: (error as Error).message });
        });
    }
    await this.subscriptions.remove(subscription.id);
  }
}
