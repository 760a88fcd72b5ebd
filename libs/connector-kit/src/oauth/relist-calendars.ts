import type { ConnectorEvents } from '../connector-events';
import type { BookingEventStore } from './booking-event.store';
import type { ListedCalendar, OAuthCalendar, OAuthCalendarStore } from './calendar.store';
import type { OAuthConnection } from './connection.store';

export interface Relisted<C extends OAuthCalendar> {
  /** Calendars listed now that were not before: they block time from now on. */
  added: C[];
  removed: C[];
}

/**
 * Makes a connection's stored calendars those the provider lists now (the owner may have made or
 * deleted one since connecting). Known calendars keep their role; a new one blocks time. Our
 * booking events in a removed calendar went with it: the booking service hears they were deleted.
 * `removing` runs for each removed calendar while it is still stored (to stop its push channel).
 * Availability hears of every calendar added or removed.
 */
export async function relistCalendars<C extends OAuthCalendar>(
  stores: { calendars: OAuthCalendarStore<C>; bookingEvents: BookingEventStore; events: ConnectorEvents },
  connection: OAuthConnection,
  listed: ListedCalendar[],
  removing: (calendar: C) => Promise<void>,
): Promise<Relisted<C>> {
  const before = await stores.calendars.ofConnection(connection.id);
  const listedIds = new Set(listed.map((calendar) => calendar.providerCalendarId));
  const removed = before.filter((calendar) => !listedIds.has(calendar.providerCalendarId));
  for (const calendar of removed) {
    await removing(calendar);
    for (const event of await stores.bookingEvents.ofCalendar(calendar.id)) {
      if (event.state !== 'live' && event.state !== 'moved') continue;
      await stores.events.bookingEventChanged(connection, { calendarId: calendar.id, bookingId: event.bookingId, change: 'deleted' }, 'calendar-removed');
    }
  }
  const after = await stores.calendars.replace(connection, listed);
  const known = new Set(before.map((calendar) => calendar.id));
  const added = after.filter((calendar) => !known.has(calendar.id));
  const version = `list:${Date.now()}`;
  await Promise.all([...added, ...removed].map((calendar) => stores.events.calendarChanged(connection, calendar.id, version)));
  return { added, removed };
}
