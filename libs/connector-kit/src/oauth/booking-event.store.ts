import { execute, query, queryOne } from '@calldesk/persistence';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export type BookingEventState = 'pending' | 'live' | 'deleted' | 'moved';

export interface BookingEvent {
  bookingId: string;
  calendarId: string;
  eventId: string;
  start: Date;
  end: Date;
  etag: string | null;
  state: BookingEventState;
}

const COLUMNS = `booking_id AS "bookingId", calendar_id AS "calendarId", event_id AS "eventId", starts_at AS "start", ends_at AS "end", etag, state`;

/**
 * The events we wrote for bookings (ids and times only), so a sync can tell the owner's changes
 * to them from ours: we record a change before making it.
 */
@Injectable()
export class BookingEventStore {
  constructor(private readonly db: DataSource) {}

  async get(bookingId: string): Promise<BookingEvent | undefined> {
    return queryOne<BookingEvent>(this.db, `SELECT ${COLUMNS} FROM booking_events WHERE booking_id = $1`, [bookingId]);
  }

  async save(event: Omit<BookingEvent, 'etag'> & { etag?: string | null }): Promise<void> {
    await execute(
      this.db,
      `INSERT INTO booking_events (booking_id, calendar_id, event_id, starts_at, ends_at, etag, state)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (booking_id) DO UPDATE SET calendar_id = excluded.calendar_id, event_id = excluded.event_id,
         starts_at = excluded.starts_at, ends_at = excluded.ends_at, etag = COALESCE(excluded.etag, booking_events.etag),
         state = excluded.state, updated_at = now()`,
      [event.bookingId, event.calendarId, event.eventId, event.start, event.end, event.etag ?? null, event.state],
    );
  }

  async setState(bookingId: string, state: BookingEventState, etag?: string | null): Promise<void> {
    await execute(
      this.db,
      `UPDATE booking_events SET state = $2, etag = COALESCE($3, etag), updated_at = now() WHERE booking_id = $1`,
      [bookingId, state, etag ?? null],
    );
  }

  async ofCalendar(calendarId: string): Promise<BookingEvent[]> {
    return query<BookingEvent>(this.db, `SELECT ${COLUMNS} FROM booking_events WHERE calendar_id = $1`, [calendarId]);
  }

  /** Live events of these calendars overlapping [from, to): counted by their booking, not as busy. */
  async liveIn(calendarIds: string[], from: Date, to: Date): Promise<BookingEvent[]> {
    return query<BookingEvent>(
      this.db,
      `SELECT ${COLUMNS} FROM booking_events WHERE calendar_id = ANY($1) AND state = 'live' AND starts_at < $3 AND ends_at > $2`,
      [calendarIds, from, to],
    );
  }
}
