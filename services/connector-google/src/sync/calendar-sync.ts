import { createHash, randomUUID } from 'node:crypto';
import { BookingEventStore, ConnectorEvents, OAuthSigners, PeriodicTask, relistCalendars } from '@calldesk/connector-kit';
import { issueChannelSecret } from '@calldesk/signing';
import { LOGGER, SERVICE_CONFIG } from '@calldesk/service-kit';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { GoogleConfig } from '../config';
import { GoogleClient } from '../google/google-client';
import { getEvent } from '../google/event-writes';
import { isGoogleStatus } from '../google/google-errors';
import { listCalendars } from '../google/list-calendars';
import { listChanges, type Changes } from '../google/list-changes';
import { stopChannel, watchCalendar } from '../google/watch-calendar';
import { CalendarStore, type Calendar } from '../store/calendar.store';
import { ChannelStore, type Channel } from '../store/channel.store';
import { ConnectionStore, type Connection } from '../store/connection.store';

const LEASE_MS = 60_000;
/** A full sync reads events from this far back (older ones cannot matter to bookings). */
const FULL_SYNC_LOOKBACK_MS = 86_400_000;
/** A channel left 'opening' this long had its watch call fail midway. */
const STALE_CHANNEL_MS = 10 * 60_000;
/** Connections whose calendar list one maintenance round reads again, at most. */
const RELIST_BATCH = 20;

/**
 * Keeps each booking and blocking calendar in step with Google: a push channel per calendar
 * (a new one opened before the old expires, then the old stopped), and an incremental sync (with
 * a sync token and times-only fields) after each push and periodically as the safety net. A sync
 * that finds one of our booking events deleted or moved by someone else says so on the stream,
 * for the booking service. One instance works on a calendar at a time (a lease in its row). Each
 * connection's calendar list is read again now and then, for calendars made or deleted since.
 */
@Injectable()
export class CalendarSync implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly task: PeriodicTask;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GoogleConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly client: GoogleClient,
    private readonly calendars: CalendarStore,
    private readonly channels: ChannelStore,
    private readonly bookingEvents: BookingEventStore,
    private readonly connections: ConnectionStore,
    private readonly events: ConnectorEvents,
    private readonly signers: OAuthSigners,
  ) {
    this.task = new PeriodicTask('google maintenance', config.MAINTENANCE_INTERVAL_MS, () => this.maintain(), logger);
  }

  onApplicationBootstrap(): void {
    if (!this.signers.webhook) this.logger.warn('WEBHOOK_SECRET is not set: no push channels, changes are found by the periodic sync only');
    this.task.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** A push arrived for the calendar: sync it now (or right after the sync in progress). */
  async pushed(calendarId: string): Promise<void> {
    await this.calendars.requestSync(calendarId);
    await this.work(calendarId, true);
  }

  /** Opens the calendar's channel (if push is on) and syncs it, now: after a connect or role change. */
  async start(calendarId: string): Promise<void> {
    await this.work(calendarId, true);
  }

  /** Stops the calendar's channels at Google and forgets them. */
  async stopChannels(calendar: Calendar, connection?: Connection): Promise<void> {
    for (const channel of await this.channels.ofCalendar(calendar.id)) await this.stop(channel, connection);
  }

  /** Reads the connection's calendar list again: calendars made since start syncing, deleted ones stop. */
  async relist(connection: Connection): Promise<void> {
    const listed = await this.client.call('calendarList.list', { connection }, listCalendars);
    const stores = { calendars: this.calendars, bookingEvents: this.bookingEvents, events: this.events };
    const { added } = await relistCalendars(stores, connection, listed, (calendar) => this.stopChannels(calendar, connection));
    for (const calendar of added) await this.start(calendar.id);
  }

  private async maintain(): Promise<void> {
    for (const connection of await this.connections.dueForRelisting(this.config.CALENDAR_LIST_REFRESH_MS, RELIST_BATCH)) {
      await this.relist(connection).catch((error) =>
        this.logger.warn('calendar list not read', { connectionId: connection.id, error: (error as Error).message }),
      );
    }
    const renewWithinMs = this.config.GOOGLE_CHANNEL_RENEW_BEFORE_S * 1_000;
    const calendars = await this.calendars.needingWork(Boolean(this.signers.webhook), renewWithinMs, 100);
    for (const calendar of calendars) await this.work(calendar.id, false);
    for (const channel of await this.channels.stale(STALE_CHANNEL_MS)) await this.channels.remove(channel.id);
  }

  /** Under the calendar's lease: the channel, then the sync (when due, or `force`), again if a push came meanwhile. */
  private async work(calendarId: string, force: boolean): Promise<void> {
    let takenAt = await this.calendars.lease(calendarId, LEASE_MS);
    while (takenAt) {
      try {
        await this.once(calendarId, force);
      } catch (error) {
        this.logger.warn('calendar sync failed', { calendarId, error: (error as Error).message });
      }
      const again = await this.calendars.release(calendarId, takenAt);
      takenAt = again ? await this.calendars.lease(calendarId, LEASE_MS) : undefined;
      force = true;
    }
  }

  private async once(calendarId: string, force: boolean): Promise<void> {
    const calendar = await this.calendars.byId(calendarId);
    if (!calendar || calendar.role === 'ignored' || calendar.connectionStatus !== 'connected') return;
    const connection = (await this.connections.find(calendar.connectionId))!;
    if (this.signers.webhook) {
      await this.ensureChannel(calendar, connection).catch((error) =>
        this.logger.warn('push channel not opened', { calendarId, error: (error as Error).message }),
      );
    }
    if (force || calendar.nextSyncAt.getTime() <= Date.now()) await this.sync(calendar, connection);
  }

  private async sync(calendar: Calendar, connection: Connection): Promise<void> {
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
  private async ensureChannel(calendar: Calendar, connection: Connection): Promise<void> {
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

export function memberOf(owner: { tenantId: string; memberId: string }): { tenantId: string; memberId: string } {
  return { tenantId: owner.tenantId, memberId: owner.memberId };
}
