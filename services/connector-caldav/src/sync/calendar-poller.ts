import { ConnectorEvents, isAuthRejected, isUnavailable, ProviderError } from '@calldesk/connector-kit';
import { LOGGER, PeriodicTask, SERVICE_CONFIG } from '@calldesk/service-kit';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CaldavAccounts } from '../caldav/caldav-accounts';
import type { Fetch } from '../caldav/caldav-http';
import { changeMarker, collectionState } from '../caldav/collection-state';
import { readBudget } from '../bounds/read-budget';
import type { CaldavConfig } from '../config';
import { CalendarDirectory } from '../connections/calendar-directory';
import { ConnectionHealth } from '../connections/connection-health';
import { ConnectionStore, type ConnectedCalendar, type ConnectionRow } from '../connections/connection-store';
import { BookingEventStore } from '../events/booking-event-store';
import { OwnEventWatch } from './own-event-watch';

const BATCH = 200;
/** Connections whose calendar list one round (a second or less) reads again, at most. */
const LIST_BATCH = 20;
const PRUNE_EVERY_TICKS = 3_600;

/**
 * CalDAV has no push: every CALDAV_POLL_SECONDS each booking and blocking calendar's ctag (and
 * sync-token, where the server has one) is read in one PROPFIND. A change publishes
 * calendar.changed (availability drops its cached busy times) and looks for our own events
 * deleted or moved. The calendars due are claimed in Postgres, so instances share the work.
 * A poll is also the probe that finds a server down (the member is left out) and back. Each
 * connection's calendar list is read again every CALDAV_LIST_REFRESH_SECONDS, for new calendars.
 */
@Injectable()
export class CalendarPoller implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: PeriodicTask;
  private ticks = 0;

  constructor(
    private readonly store: ConnectionStore,
    private readonly accounts: CaldavAccounts,
    private readonly health: ConnectionHealth,
    private readonly directory: CalendarDirectory,
    private readonly events: ConnectorEvents,
    private readonly watch: OwnEventWatch,
    private readonly bookingEvents: BookingEventStore,
    @Inject(SERVICE_CONFIG) private readonly config: CaldavConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const tickMs = Math.min(1_000, (config.CALDAV_POLL_SECONDS * 1_000) / 5);
    this.task = new PeriodicTask('calendar poll', tickMs, () => this.pollDue(), logger);
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
  }

  async pollDue(): Promise<void> {
    if (++this.ticks % PRUNE_EVERY_TICKS === 0) await this.bookingEvents.prune();
    const [lists, due] = await Promise.all([
      this.store.claimListDue(LIST_BATCH, this.config.CALDAV_LIST_REFRESH_SECONDS),
      this.store.claimDue(BATCH, this.config.CALDAV_POLL_SECONDS),
    ]);
    const byConnection = new Map<string, ConnectedCalendar[]>();
    due.forEach((c) => byConnection.set(c.connectionId, [...(byConnection.get(c.connectionId) ?? []), c]));
    await Promise.all([
      ...lists.map((connection) => this.relist(connection)),
      ...[...byConnection.values()].map((calendars) => this.pollConnection(calendars[0].connection, calendars)),
    ]);
  }

  /** New calendars on the server: the list is read again now and then (CalDAV tells no one). */
  private async relist(connection: ConnectionRow): Promise<void> {
    try {
      await this.directory.refresh(
        connection,
        this.accounts.fetchFor(connection, { budgetMs: this.config.CALDAV_CALL_BUDGET_MS }),
        readBudget(this.config),
      );
    } catch (error) {
      // The polls find an outage and report it; the list is read again next round.
      this.logger.warn('calendar list not read', {
        connectionId: connection.connectionId,
        error: (error as Error).message,
      });
    }
  }

  private async pollConnection(connection: ConnectionRow, calendars: ConnectedCalendar[]): Promise<void> {
    let fetch: Fetch;
    try {
      // A poll is a probe: as short as a busy read, so an outage is seen at once.
      fetch = this.accounts.fetchFor(connection, { budgetMs: this.config.CALDAV_BUSY_BUDGET_MS });
    } catch (error) {
      this.logger.error('connection credentials cannot be opened', {
        connectionId: connection.connectionId,
        error: (error as Error).message,
      });
      return;
    }
    let listChanged = false;
    for (const calendar of calendars) {
      try {
        await this.pollCalendar(calendar, fetch);
      } catch (error) {
        await this.health.failed(connection, error);
        // Down or refused: the rest of this connection's calendars would say the same.
        if (isUnavailable(error) || isAuthRejected(error)) return;
        if (error instanceof ProviderError && error.kind === 'not_found') listChanged = true;
        else
          this.logger.warn('calendar poll failed', {
            calendarId: calendar.calendarId,
            error: (error as Error).message,
          });
      }
    }
    await this.health.succeeded(connection);
    // A calendar deleted on the server: take the list again rather than leave the member unverifiable.
    if (listChanged) await this.directory.refresh(connection, fetch, readBudget(this.config));
  }

  private async pollCalendar(calendar: ConnectedCalendar, fetch: Fetch): Promise<void> {
    const checkedAt = new Date();
    const budget = readBudget(this.config);
    const now = await collectionState(fetch, calendar.url, budget);
    const marker = changeMarker(now);
    if (marker !== undefined && marker === changeMarker(calendar)) return;
    // Our events first: a change to one of them must be seen before the marker moves past it.
    const watched = await this.store.forCalendar(
      calendar.calendarId,
      () => this.watch.check(calendar, fetch, now, budget),
      { tryOnly: true },
    );
    if (!watched.ran) {
      // A write holds the calendar: announce the change, and look at it again next time.
      await this.events.calendarChanged(calendar, calendar.calendarId, marker ?? `${Date.now()}`);
      return;
    }
    // The new marker first (what is cached by it, e.g. recurring series, goes), then the news.
    await this.store.saveMarkers(calendar.calendarId, { ...now, markersAt: checkedAt });
    try {
      await this.events.calendarChanged(calendar, calendar.calendarId, marker ?? `${Date.now()}`);
    } catch (error) {
      await this.store.saveMarkers(calendar.calendarId, calendar);
      throw error;
    }
  }
}
