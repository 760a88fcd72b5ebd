import { randomUUID } from 'node:crypto';
import { BookingEventStore, ConnectorEvents, memberOf, OAuthCalendarSync, OAuthSigners } from '@calldesk/connector-kit';
import { issueChannelSecret } from '@calldesk/signing';
import { LOGGER, SERVICE_CONFIG } from '@calldesk/service-kit';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import type { MicrosoftConfig } from '../config';
import { deltaRound, type DeltaRound } from '../graph/delta';
import { getEvent } from '../graph/event-writes';
import { GraphClient } from '../graph/graph-client';
import { isGraphStatus } from '../graph/graph-errors';
import { listCalendars } from '../graph/list-calendars';
import { renew, subscribe, unsubscribe } from '../graph/subscriptions';
import { CalendarStore, type Calendar, type ListedCalendar } from '../store/calendar.store';
import { ConnectionStore, type Connection } from '../store/connection.store';
import { SubscriptionStore, type Subscription } from '../store/subscription.store';

const LOOKBACK_MS = 86_400_000;
const STALE_SUBSCRIPTION_MS = 10 * 60_000;

/**
 * Graph's side of connector-kit's OAuthCalendarSync: a subscription per calendar (renewed well
 * before it expires; recreated when Graph removes it), and a delta sync (a new round weekly, or
 * when the link expires). A sync that finds one of our booking events deleted or moved by someone
 * else says so on the stream, for the booking service.
 */
@Injectable()
export class CalendarSync extends OAuthCalendarSync<Calendar> {
  protected readonly renewPushWithinMs: number;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: MicrosoftConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly client: GraphClient,
    private readonly calendars: CalendarStore,
    private readonly subscriptions: SubscriptionStore,
    private readonly bookingEvents: BookingEventStore,
    connections: ConnectionStore,
    private readonly events: ConnectorEvents,
    private readonly signers: OAuthSigners,
  ) {
    super({ config, logger, calendars, connections, bookingEvents, events, signers }, 'microsoft');
    this.renewPushWithinMs = config.MICROSOFT_SUBSCRIPTION_RENEW_BEFORE_S * 1_000;
  }

  /** Lifecycle: reauthorizationRequired (renew now), subscriptionRemoved (recreate, resync), missed (resync). */
  async lifecycle(subscription: Subscription, event: string): Promise<void> {
    if (event === 'subscriptionRemoved') await this.subscriptions.remove(subscription.id);
    // Renewing is reauthorizing: mark it expired here, and the work below renews it in place.
    if (event === 'reauthorizationRequired') await this.subscriptions.renewed(subscription.id, new Date(0));
    await this.calendars.requestSync(subscription.calendarId);
    await this.work(subscription.calendarId, event !== 'reauthorizationRequired');
  }

  /** Deletes the calendar's subscriptions at Graph and forgets them. */
  async stopPush(calendar: Calendar, connection?: Connection): Promise<void> {
    for (const subscription of await this.subscriptions.ofCalendar(calendar.id)) await this.drop(subscription, connection);
  }

  listCalendars(connection: Connection): Promise<ListedCalendar[]> {
    return this.client.call('calendars.list', { connection }, listCalendars);
  }

  protected async forgetStalePush(): Promise<void> {
    for (const subscription of await this.subscriptions.stale(STALE_SUBSCRIPTION_MS)) await this.subscriptions.remove(subscription.id);
  }

  protected async sync(calendar: Calendar, connection: Connection): Promise<void> {
    const target = { connection, calendarId: calendar.id };
    const from = new Date(Date.now() - LOOKBACK_MS);
    const to = new Date(Date.now() + this.config.DELTA_WINDOW_DAYS * 86_400_000);
    const roundAge = calendar.syncRoundStartedAt ? Date.now() - calendar.syncRoundStartedAt.getTime() : Infinity;
    const link = roundAge < this.config.DELTA_ROUND_DAYS * 86_400_000 ? calendar.syncToken : null;
    const round = (deltaLink: string | null) =>
      this.client.call('calendarView.delta', target, (api, signal) => deltaRound(api, signal, calendar.providerCalendarId, deltaLink, from, to), { budgetMs: 30_000 });
    let changes: DeltaRound;
    let resynced = false;
    try {
      changes = await round(link);
    } catch (error) {
      // 410: the delta link expired; start a new round.
      if (!(link && isGraphStatus(error, 410))) throw error;
      changes = await round(null);
      resynced = true;
    }
    await this.applyToOurEvents(calendar, connection, changes, from);
    await this.calendars.saveSyncToken(calendar.id, changes.deltaLink ?? null, this.config.SYNC_INTERVAL_MS, changes.full);
    if (resynced || (!changes.full && changes.items.length > 0)) {
      await this.events.calendarChanged(memberOf(calendar), calendar.id, `sync:${randomUUID()}`);
    }
  }

  private async applyToOurEvents(calendar: Calendar, connection: Connection, changes: DeltaRound, from: Date): Promise<void> {
    const ours = new Map((await this.bookingEvents.ofCalendar(calendar.id)).map((e) => [e.eventId, e]));
    if (!ours.size) return;
    const seen = new Set<string>();
    for (const item of changes.items) {
      const row = ours.get(item.eventId);
      if (!row || row.state === 'deleted' || row.state === 'pending') continue;
      seen.add(item.eventId);
      if (item.removed || item.cancelled) {
        await this.bookingEvents.setState(row.bookingId, 'deleted');
        await this.events.bookingEventChanged(memberOf(calendar), { calendarId: calendar.id, bookingId: row.bookingId, change: 'deleted' }, 'deleted');
      } else if (item.start !== undefined && item.end !== undefined && (item.start !== row.start.getTime() || item.end !== row.end.getTime())) {
        // The delta may predate a write of ours still in flight: only the event and our record as
        // they are now can say the owner moved it.
        const [now, latest] = await Promise.all([
          this.client.call('events.get', { connection, calendarId: calendar.id, bookingId: row.bookingId }, (api, signal) => getEvent(api, signal, row.eventId)),
          this.bookingEvents.get(row.bookingId),
        ]);
        if (!latest || latest.state === 'pending' || (Date.parse(now.start) === latest.start.getTime() && Date.parse(now.end) === latest.end.getTime())) continue;
        const start = new Date(now.start).toISOString();
        const end = new Date(now.end).toISOString();
        await this.bookingEvents.save({ ...latest, start: new Date(start), end: new Date(end), state: 'moved' });
        await this.events.bookingEventChanged(memberOf(calendar), { calendarId: calendar.id, bookingId: row.bookingId, change: 'moved', start, end }, `${start}/${end}`);
      }
    }
    if (!changes.full) return;
    for (const row of ours.values()) {
      if (seen.has(row.eventId) || (row.state !== 'live' && row.state !== 'moved') || row.end < from) continue;
      await this.bookingEvents.setState(row.bookingId, 'deleted');
      await this.events.bookingEventChanged(memberOf(calendar), { calendarId: calendar.id, bookingId: row.bookingId, change: 'deleted' }, 'deleted');
    }
  }

  /** A subscription that outlives the renewal margin: renewed in place, or a new one made. */
  protected async ensurePush(calendar: Calendar, connection: Connection): Promise<void> {
    const existing = await this.subscriptions.ofCalendar(calendar.id);
    const renewAt = Date.now() + this.config.MICROSOFT_SUBSCRIPTION_RENEW_BEFORE_S * 1_000;
    if (existing.some((s) => s.state === 'open' && (s.expiresAt?.getTime() ?? 0) > renewAt)) return;
    const expiresAt = new Date(Date.now() + this.config.MICROSOFT_SUBSCRIPTION_TTL_MIN * 60_000);
    const target = { connection, calendarId: calendar.id };
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

  private async drop(subscription: Subscription, connection?: Connection): Promise<void> {
    if (connection?.status === 'connected' && subscription.subscriptionId) {
      await this.client
        .call('subscriptions.delete', { connection, calendarId: subscription.calendarId }, (api, signal) => unsubscribe(api, signal, subscription.subscriptionId!))
        .catch((error) => {
          if (!isGraphStatus(error, 404)) this.logger.warn('subscription not deleted', { subscriptionId: subscription.id, error: (error as Error).message });
        });
    }
    await this.subscriptions.remove(subscription.id);
  }
}
