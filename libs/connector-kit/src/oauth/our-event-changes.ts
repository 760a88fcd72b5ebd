import { Injectable } from '@nestjs/common';
import { ConnectorEvents, memberOf } from '../connector-events';
import { BookingEventStore, type BookingEvent } from './booking-event.store';
import { CalendarProvider, type CalendarChanges, type CalendarTarget } from './calendar-provider';

/**
 * What a sync found, applied to our booking events: one someone else deleted or moved is told to
 * the booking service, once; one still pending (a write of ours in flight) is live once the
 * provider shows it where we put it.
 */
@Injectable()
export class OurEventChanges {
  constructor(
    private readonly provider: CalendarProvider,
    private readonly bookingEvents: BookingEventStore,
    private readonly events: ConnectorEvents,
  ) {}

  async apply(target: CalendarTarget, changes: CalendarChanges): Promise<void> {
    const ours = await this.bookingEvents.ofCalendar(target.calendar.id);
    if (!ours.length) return;
    const listed = new Map(changes.events.map((event) => [event.eventId, event]));
    for (const row of ours) {
      const event = listed.get(row.eventId);
      if (!event) {
        // Missing from a complete listing: deleted, if it lies where the listing looked.
        const { complete } = changes;
        const within = complete && row.end.getTime() >= complete.start && row.start.getTime() < complete.end;
        if (within && (row.state === 'live' || row.state === 'moved')) await this.deleted(target, row);
        continue;
      }
      if (row.state === 'deleted') continue;
      if (event.cancelled) {
        // Pending is a write of ours in flight: what the provider shows of it is not the owner's doing.
        if (row.state !== 'pending') await this.deleted(target, row);
        continue;
      }
      if (event.start === undefined || event.end === undefined) continue;
      const whereWePutIt = event.start === row.start.getTime() && event.end === row.end.getTime();
      if (row.state === 'pending') {
        if (whereWePutIt) await this.bookingEvents.setState(row.bookingId, 'live');
      } else if (!whereWePutIt) {
        await this.moved(target, row);
      }
    }
  }

  private async deleted(target: CalendarTarget, row: BookingEvent): Promise<void> {
    await this.bookingEvents.setState(row.bookingId, 'deleted');
    await this.events.bookingEventChanged(
      memberOf(target.calendar),
      { calendarId: target.calendar.id, bookingId: row.bookingId, change: 'deleted' },
      'deleted',
    );
  }

  /**
   * The listing may predate a write of ours still in flight: only the event and our record as they
   * are now can say the owner moved it.
   */
  private async moved(target: CalendarTarget, row: BookingEvent): Promise<void> {
    const [now, latest] = await Promise.all([
      this.provider.getEvent(
        { ...target, bookingId: row.bookingId },
        { bookingId: row.bookingId, eventId: row.eventId },
      ),
      this.bookingEvents.get(row.bookingId),
    ]);
    if (
      !latest ||
      latest.state === 'pending' ||
      (Date.parse(now.start) === latest.start.getTime() && Date.parse(now.end) === latest.end.getTime())
    )
      return;
    const start = new Date(now.start).toISOString();
    const end = new Date(now.end).toISOString();
    await this.bookingEvents.save({ ...latest, start: new Date(start), end: new Date(end), state: 'moved' });
    await this.events.bookingEventChanged(
      memberOf(target.calendar),
      { calendarId: target.calendar.id, bookingId: row.bookingId, change: 'moved', start, end },
      `${start}/${end}`,
    );
  }
}
