import { createHash, randomUUID } from 'node:crypto';
import { BookingEventStore, ConnectorEvents, memberOf, OAuthCalendarSync, OAuthSigners } from '@calldesk/connector-kit';
import { issueChannelSecret } from '@calldesk/signing';
import { LOGGER, SERVICE_CONFIG } from '@calldesk/service-kit';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import type { GoogleConfig } from '../config';
import { GoogleClient } from '../google/google-client';
import { getEvent } from '../google/event-writes';
import { isGoogleStatus } from '../google/google-errors';
import { listCalendars } from '../google/list-calendars';
import { listChanges, type Changes } from '../google/list-changes';
import { stopChannel, watchCalendar } from '../google/watch-calendar';
import { CalendarStore, type Calendar, type ListedCalendar } from '../store/calendar.store';
import { ChannelStore, type Channel } from '../store/channel.store';
import { ConnectionStore, type Connection } from '../store/connection.store';

/** A full sync reads events from this far back (older ones cannot matter to bookings). */
const FULL_SYNC_LOOKBACK_MS = 86_400_000;
/** A channel left 'opening' this long had its watch call fail midway. */
const STALE_CHANNEL_MS = 10 * 60_000;

/**
 * Google's side of connector-kit's OAuthCalendarSync: a push channel per calendar (a new one
 * opened before the old expires, then the old stopped), and an incremental sync with a sync token
 * and times-only fields. A sync that finds one of our booking events deleted or moved by someone
 * else says so on the stream, for the booking service.
 */
@Injectable()
export class CalendarSync extends OAuthCalendarSync<Calendar> {
  protected readonly renewPushWithinMs: number;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GoogleConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly client: GoogleClient,
    private readonly calendars: CalendarStore,
    private readonly channels: ChannelStore,
    private readonly bookingEvents: BookingEventStore,
    connections: ConnectionStore,
    private readonly events: ConnectorEvents,
    private readonly signers: OAuthSigners,
  ) {
    super({ config, logger, calendars, connections, bookingEvents, events, signers }, 'google');
    this.renewPushWithinMs = config.GOOGLE_CHANNEL_RENEW_BEFORE_S * 1_000;
  }

  /** Stops the calendar's channels at Google and forgets them. */
  async stopPush(calendar: Calendar, connection?: Connection): Promise<void> {
    for (const channel of await this.channels.ofCalendar(calendar.id)) await this.stop(channel, connection);
  }

  listCalendars(connection: Connection): Promise<ListedCalendar[]> {
    return this.client.call('calendarList.list', { connection }, listCalendars);
  }

  protected async forgetStalePush(): Promise<void> {
    for (const channel of await this.channels.stale(STALE_CHANNEL_MS)) await this.channels.remove(channel.id);
  }

  protected async sync(calendar: Calendar, connection: Connection): Promise<void> {
    const target = { connection, calendarId: calendar.id };
    const fullFrom = new Date(Date.now() - FULL_SYNC_LOOKBACK_MS);
    const list = (syncToken: string | null) =>
      this.client.call('events.list', target, (api, signal) => listChanges(api, signal, calendar.providerCalendarId, syncToken, fullFrom), {
        budgetMs: 30_000,
      });
    let changes: Changes;
    let resynced = false;
    try {
      changes = await list(calendar.syncToken);
    } catch (error) {
      // 410 fullSyncRequired: the token expired; drop it and read the calendar in full.
      if (!(calendar.syncToken && isGoogleStatus(error, 410))) throw error;
      changes = await list(null);
      resynced = true;
    }
    await this.applyToOurEvents(calendar, connection, changes, fullFrom);
    await this.calendars.saveSyncToken(calendar.id, changes.syncToken ?? null, this.config.SYNC_INTERVAL_MS);
    if (resynced || (!changes.full && changes.events.length > 0)) {
      await this.events.calendarChanged(memberOf(calendar), calendar.id, `sync:${changes.syncToken ? createHash('sha256').update(changes.syncToken).digest('base64url').slice(0, 22) : randomUUID()}`);
    }
  }

  /** Our booking events that someone else deleted or moved: told to the booking service, once. */
  private async applyToOurEvents(calendar: Calendar, connection: Connection, changes: Changes, fullFrom: Date): Promise<void> {
    const ours = new Map((await this.bookingEvents.ofCalendar(calendar.id)).map((e) => [e.eventId, e]));
    if (!ours.size) return;
    const seen = new Set<string>();
    for (const event of changes.events) {
      const row = ours.get(event.eventId);
      if (!row) continue;
      seen.add(event.eventId);
      if (row.state === 'deleted') continue;
      if (event.cancelled) {
        if (row.state === 'pending') continue;
        await this.bookingEvents.setState(row.bookingId, 'deleted');
        await this.events.bookingEventChanged(memberOf(calendar), { calendarId: calendar.id, bookingId: row.bookingId, change: 'deleted' }, 'deleted');
      } else if (row.state === 'pending') {
        await this.bookingEvents.setState(row.bookingId, 'live');
      } else if (event.start !== undefined && event.end !== undefined && (event.start !== row.start.getTime() || event.end !== row.end.getTime())) {
        // The listing may predate a write of ours still in flight: only the event and our record
        // as they are now can say the owner moved it.
        const [now, latest] = await Promise.all([
          this.client.call('events.get', { connection, calendarId: calendar.id, bookingId: row.bookingId }, (api, signal) =>
            getEvent(api, signal, calendar.providerCalendarId, row.bookingId),
          ),
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
    // A full listing omits deleted events: ours that are missing were deleted.
    for (const row of ours.values()) {
      if (seen.has(row.eventId) || (row.state !== 'live' && row.state !== 'moved') || row.end < fullFrom) continue;
      await this.bookingEvents.setState(row.bookingId, 'deleted');
      await this.events.bookingEventChanged(memberOf(calendar), { calendarId: calendar.id, bookingId: row.bookingId, change: 'deleted' }, 'deleted');
    }
  }

  /** A channel that outlives the renewal margin; a new one is opened before the old ones are stopped. */
  protected async ensurePush(calendar: Calendar, connection: Connection): Promise<void> {
    const signer = this.signers.webhook!;
    const existing = await this.channels.ofCalendar(calendar.id);
    const renewAt = Date.now() + this.config.GOOGLE_CHANNEL_RENEW_BEFORE_S * 1_000;
    if (existing.some((c) => c.state === 'open' && (c.expiresAt?.getTime() ?? 0) > renewAt)) return;
    const id = randomUUID();
    const token = issueChannelSecret(signer, id);
    // Stored first: Google's first message ("sync") may arrive before the watch call returns.
    await this.channels.add(id, calendar.id, token);
    try {
      const address = new URL('/v1/webhooks/google', this.config.PUBLIC_BASE_URL).toString();
      const opened = await this.client.call('events.watch', { connection, calendarId: calendar.id }, (api, signal) =>
        watchCalendar(api, signal, calendar.providerCalendarId, { id, token, address, ttlSeconds: this.config.GOOGLE_CHANNEL_TTL_S }),
      );
      await this.channels.opened(id, opened.resourceId, new Date(opened.expiration));
    } catch (error) {
      await this.channels.remove(id);
      throw error;
    }
    for (const old of existing.filter((c) => c.state === 'open')) await this.stop(old, connection);
  }

  private async stop(channel: Channel, connection?: Connection): Promise<void> {
    if (connection?.status === 'connected' && channel.resourceId) {
      await this.client
        .call('channels.stop', { connection, calendarId: channel.calendarId }, (api, signal) => stopChannel(api, signal, { id: channel.id, resourceId: channel.resourceId! }))
        .catch((error) => {
          // Gone already (404) or unreachable: it expires on its own, and its messages are refused.
          if (!isGoogleStatus(error, 404)) this.logger.warn('channel not stopped', { channelId: channel.id, error: (error as Error).message });
        });
    }
    await this.channels.remove(channel.id);
  }
}
