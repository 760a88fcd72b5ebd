import { Injectable } from '@nestjs/common';
import { ConnectorEvents } from '../connector-events';
import { BookingEventStore } from './booking-event.store';
import { CalendarProvider } from './calendar-provider';
import { OAuthCalendarStore, type OAuthCalendar } from './calendar.store';
import type { OAuthConnection } from './connection.store';
import { OAuthPush } from './oauth-push';

/**
 * Makes a connection's stored calendars those the provider lists now (the owner may have made or
 * deleted one since connecting). Known calendars keep their role; a new one blocks time. Our
 * booking events in a removed calendar went with it: the booking service hears they were deleted,
 * and the calendar's push is stopped while it is still stored. Availability hears of every
 * calendar added or removed.
 */
@Injectable()
export class CalendarRelisting {
  constructor(
    private readonly provider: CalendarProvider,
    private readonly push: OAuthPush,
    private readonly calendars: OAuthCalendarStore,
    private readonly bookingEvents: BookingEventStore,
    private readonly events: ConnectorEvents,
  ) {}

  /** Answers the calendars listed now that were not before: they block time from now on. */
  async relist(connection: OAuthConnection): Promise<OAuthCalendar[]> {
    const listed = await this.provider.listCalendars(connection);
    const before = await this.calendars.ofConnection(connection.id);
    const listedIds = new Set(listed.map((calendar) => calendar.providerCalendarId));
    const removed = before.filter((calendar) => !listedIds.has(calendar.providerCalendarId));
    for (const calendar of removed) {
      await this.push.stop(calendar, connection);
      for (const event of await this.bookingEvents.ofCalendar(calendar.id)) {
        if (event.state !== 'live' && event.state !== 'moved') continue;
        await this.events.bookingEventChanged(
          connection,
          { calendarId: calendar.id, bookingId: event.bookingId, change: 'deleted' },
          'calendar-removed',
        );
      }
    }
    const after = await this.calendars.replace(connection, listed);
    const known = new Set(before.map((calendar) => calendar.id));
    const added = after.filter((calendar) => !known.has(calendar.id));
    const version = `list:${Date.now()}`;
    await Promise.all(
      [...added, ...removed].map((calendar) => this.events.calendarChanged(connection, calendar.id, version)),
    );
    return added;
  }
}
