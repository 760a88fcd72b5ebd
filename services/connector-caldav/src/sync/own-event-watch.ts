import { ConnectorEvents } from '@calldesk/connector-kit';
import { LOGGER } from '@calldesk/service-kit';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import type { ReadBudget } from '../bounds/read-budget';
import type { Fetch } from '../caldav/caldav-http';
import { changesSince } from '../caldav/changes-since';
import type { CollectionState } from '../caldav/collection-state';
import { decodedPath } from '../caldav/dav-values';
import { multiget } from '../caldav/multiget';
import type { ConnectedCalendar } from '../connections/connection-store';
import { BookingEventStore, type BookingEventRow } from '../events/booking-event-store';
import { timesOfSingleEvent } from '../ical/expand-busy';

/**
 * After a calendar changed: were any of our bookings' events deleted or moved by someone else?
 * With sync-collection, only the objects it names are looked at; otherwise all our watched ones.
 * A deleted (or cancelled) event and a moved one are published for the booking service, which
 * cancels or flags the booking and tells the owner. Runs under the calendar's lock, so our own
 * writes (whose etags we record) are never mistaken for someone else's.
 */
@Injectable()
export class OwnEventWatch {
  constructor(
    private readonly bookingEvents: BookingEventStore,
    private readonly events: ConnectorEvents,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async check(calendar: ConnectedCalendar, fetch: Fetch, now: CollectionState, budget: ReadBudget): Promise<void> {
    const watched = await this.bookingEvents.watched(calendar.calendarId);
    if (!watched.length) return;
    const candidates = await this.touched(calendar, fetch, now, watched, budget);
    if (!candidates.length) return;
    const found = await multiget(
      fetch,
      calendar.url,
      candidates.map((row) => row.href),
      budget,
    );
    for (const row of candidates) {
      const fetched = found.get(decodedPath(row.href)) ?? 'unknown';
      if (fetched === 'unknown') continue;
      if (fetched === 'gone') {
        await this.deleted(calendar, row);
        continue;
      }
      if (fetched.etag && fetched.etag === row.etag) continue;
      const times = timesOfSingleEvent(fetched.data, calendar.timeZone);
      // Cancelled: as good as deleted.
      if (!times) {
        await this.deleted(calendar, row);
      } else if (times.start !== row.start || times.end !== row.end) {
        await this.publish(calendar, row, 'moved', fetched.etag ?? `${times.start}-${times.end}`, times);
        await this.bookingEvents.save({ ...row, etag: fetched.etag, start: times.start, end: times.end });
      } else {
        // Touched (a title, an alarm) but where we put it: remember its etag.
        await this.bookingEvents.save({ ...row, etag: fetched.etag });
      }
    }
  }

  private async deleted(calendar: ConnectedCalendar, row: BookingEventRow): Promise<void> {
    await this.publish(calendar, row, 'deleted', row.etag ?? 'gone');
    await this.bookingEvents.remove(row.calendarId, row.bookingId);
  }

  private async touched(
    calendar: ConnectedCalendar,
    fetch: Fetch,
    now: CollectionState,
    watched: BookingEventRow[],
    budget: ReadBudget,
  ): Promise<BookingEventRow[]> {
    if (!calendar.syncToken || !now.syncToken) return watched;
    const changes = await changesSince(fetch, calendar.url, calendar.syncToken, budget);
    if (changes.kind === 'resync') return watched;
    const paths = new Set([...changes.changed, ...changes.removed].map(decodedPath));
    // Written by us since the token was taken: a server may not name an object both created and
    // deleted after the token (Xandikos does not), so look at those anyway.
    return watched.filter(
      (row) => paths.has(decodedPath(row.href)) || (row.updatedAt !== undefined && row.updatedAt >= calendar.markersAt),
    );
  }

  private async publish(
    calendar: ConnectedCalendar,
    row: BookingEventRow,
    change: 'deleted' | 'moved',
    version: string,
    times?: { start: number; end: number },
  ): Promise<void> {
    await this.events.bookingEventChanged(
      calendar,
      {
        calendarId: calendar.calendarId,
        bookingId: row.bookingId,
        change,
        ...(times ? { start: new Date(times.start).toISOString(), end: new Date(times.end).toISOString() } : {}),
      },
      version,
    );
    this.logger.info(`booking event ${change} in its calendar`, {
      calendarId: calendar.calendarId,
      bookingId: row.bookingId,
    });
  }
}
