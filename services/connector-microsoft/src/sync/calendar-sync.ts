import { createHash, randomUUID } from 'node:crypto';
import { BookingEventStore, ConnectorEvents, memberOf, OAuthCalendarSync, OAuthSigners } from '@calldesk/connector-kit';
import { issueChannelSecret } from '@calldesk/signing';
import { LOGGER, SERVICE_CONFIG } from '@calldesk/service-kit';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import type { MicrosoftConfig } from '../config';
import { calendarView, type ViewEvent } from '../graph/calendar-view';
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
 * before it expires; recreated when Graph removes it) whose notifications, and a timer, start a
 * sync: a read of the calendar view. Not delta: Graph's delta ignores $select and would send every
 * subject, body and attendee, which we promise never to read. A sync that finds one of our booking
 * events deleted or moved by someone else says so on the stream, for the booking service.
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

  /**
   * Reads the calendar's view over the sync window (times and showAs only) and compares it with
   * the last: a different view means the calendar changed; our booking events missing from it
   * were deleted, and those at other times moved.
   */
  protected async sync(calendar: Calendar, connection: Connection): Promise<void> {
    const target = { connection, calendarId: calendar.id };
    const window = { from: Date.now() - LOOKBACK_MS, to: Date.now() + this.config.SYNC_WINDOW_DAYS * 86_400_000 };
    const view = await this.client.call('calendarView.sync', target, (api, signal) => calendarView(api, signal, calendar.providerCalendarId, window.from, window.to), {
      budgetMs: 30_000,
    });
    await this.applyToOurEvents(calendar, connection, view, window);
    const fingerprint = fingerprintOf(view);
    await this.calendars.saveSyncToken(calendar.id, fingerprint, this.config.SYNC_INTERVAL_MS);
    if (calendar.syncToken !== null && calendar.syncToken !== fingerprint) {
      await this.events.calendarChanged(memberOf(calendar), calendar.id, `sync:${randomUUID()}`);
    }
  }

  private async applyToOurEvents(calendar: Calendar, connection: Connection, view: ViewEvent[], window: { from: number; to: number }): Promise<void> {
    const ours = await this.bookingEvents.ofCalendar(calendar.id);
    if (!ours.length) return;
    const seen = new Map(view.map((event) => [event.eventId, event]));
    for (const row of ours) {
      if (row.state !== 'live' && row.state !== 'moved') continue;
      const event = seen.get(row.eventId);
      if (!event || event.cancelled) {
        // Outside the window the view says nothing about it.
        if (!event && (row.end.getTime() < window.from || row.start.getTime() >= window.to)) continue;
        await this.bookingEvents.setState(row.bookingId, 'deleted');
        await this.events.bookingEventChanged(memberOf(calendar), { calendarId: calendar.id, bookingId: row.bookingId, change: 'deleted' }, 'deleted');
      } else if (event.start !== undefined && event.end !== undefined && (event.start !== row.start.getTime() || event.end !== row.end.getTime())) {
        await this.reportMoved(calendar, connection, row.bookingId, row.eventId);
      }
    }
  }

  /**
   * The view may predate a write of ours still in flight: only the event and our record as they
   * are now can say the owner moved it.
   */
  private async reportMoved(calendar: Calendar, connection: Connection, bookingId: string, eventId: string): Promise<void> {
    const [now, latest] = await Promise.all([
      this.client.call('events.get', { connection, calendarId: calendar.id, bookingId }, (api, signal) => getEvent(api, signal, eventId)),
      this.bookingEvents.get(bookingId),
    ]);
    if (!latest || latest.state === 'pending' || (Date.parse(now.start) === latest.start.getTime() && Date.parse(now.end) === latest.end.getTime())) return;
    const start = new Date(now.start).toISOString();
    const end = new Date(now.end).toISOString();
    await this.bookingEvents.save({ ...latest, start: new Date(start), end: new Date(end), state: 'moved' });
    await this.events.bookingEventChanged(memberOf(calendar), { calendarId: calendar.id, bookingId, change: 'moved', start, end }, `${start}/${end}`);
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

/** What the view says, in an order that does not depend on Graph's paging: equal views, equal prints. */
function fingerprintOf(view: ViewEvent[]): string {
  const lines = view.map((e) => `${e.eventId}|${e.start}|${e.end}|${e.showAs}|${e.cancelled}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('base64url');
}
