import { assignRoles, ConnectorEvents, newProviderId } from '@calldesk/connector-kit';
import { LOGGER } from '@calldesk/service-kit';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ReadBudget } from '../bounds/read-budget';
import type { Fetch } from '../caldav/caldav-http';
import { listCalendars, type CaldavCalendar } from '../caldav/list-calendars';
import { BookingEventStore } from '../events/booking-event-store';
import { ConnectionStore, type CalendarRow, type ConnectionRow } from './connection-store';

/**
 * A connection's calendars as the server lists them: those seen before keep their id and role,
 * new ones block time, gone ones go (with the events we watched there), and the member keeps one
 * booking calendar while any is writable.
 */
@Injectable()
export class CalendarDirectory {
  constructor(
    private readonly store: ConnectionStore,
    private readonly bookingEvents: BookingEventStore,
    private readonly events: ConnectorEvents,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Within the member's transaction: stores `listed` as the connection's calendars. */
  async save(manager: EntityManager, connection: ConnectionRow, listed: CaldavCalendar[]): Promise<CalendarRow[]> {
    const known = await this.store.calendarsOf(connection.connectionId, manager);
    const others = (await this.store.memberCalendars(connection.tenantId, connection.memberId, manager)).filter(
      (calendar) => calendar.connectionId !== connection.connectionId,
    );
    const roles = assignRoles(
      listed.map((calendar) => ({ key: calendar.url, writable: calendar.writable })),
      new Map(known.map((calendar) => [calendar.url, calendar.role])),
      others.some((calendar) => calendar.role === 'booking'),
    );
    await this.store.replaceCalendars(
      manager,
      connection,
      listed.map((calendar) => ({
        calendarId: known.find((k) => k.url === calendar.url)?.calendarId ?? newProviderId('caldav'),
        url: calendar.url,
        name: calendar.name,
        timeZone: calendar.timeZone ?? connection.defaultTimeZone,
        role: roles.get(calendar.url)!,
        writable: calendar.writable,
        ctag: calendar.ctag,
        syncToken: calendar.syncToken,
      })),
    );
    return this.store.calendarsOf(connection.connectionId, manager);
  }

  /**
   * Lists the calendars again (one was deleted on the server, or it is time to look for new ones)
   * and, when the list changed, says that the member's calendars changed.
   */
  async refresh(connection: ConnectionRow, fetch: Fetch, budget: ReadBudget): Promise<void> {
    if (!connection.homeUrl) return;
    const listed = await listCalendars(fetch, connection.homeUrl, budget);
    const before = await this.store.calendarsOf(connection.connectionId);
    // Our events in a calendar that is gone are gone with it.
    for (const gone of before.filter((calendar) => !listed.some((l) => l.url === calendar.url))) {
      for (const event of await this.bookingEvents.watched(gone.calendarId)) {
        await this.events.bookingEventChanged(
          connection,
          { calendarId: gone.calendarId, bookingId: event.bookingId, change: 'deleted' },
          'calendar-gone',
        );
      }
    }
    const after = await this.store.forMember(connection.tenantId, connection.memberId, (manager) =>
      this.save(manager, connection, listed),
    );
    const ids = (calendars: CalendarRow[]) => new Set(calendars.map((calendar) => calendar.calendarId));
    const [was, is] = [ids(before), ids(after)];
    const touched = [...[...was].filter((id) => !is.has(id)), ...[...is].filter((id) => !was.has(id))];
    if (!touched.length) return;
    this.logger.info('calendar list changed', {
      connectionId: connection.connectionId,
      before: before.length,
      after: after.length,
    });
    const version = `list:${Date.now()}`;
    await Promise.all(touched.map((calendarId) => this.events.calendarChanged(connection, calendarId, version)));
  }
}
