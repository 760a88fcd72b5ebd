import { execute, query, queryOne } from '@calldesk/persistence';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface BookingEventRow {
  calendarId: string;
  bookingId: string;
  /** The object's URL: kept, never searched for by UID (iCloud). */
  href: string;
  etag?: string;
  start: number;
  end: number;
  sequence: number;
  /** When we last wrote or read it. */
  updatedAt?: Date;
}

/** A booking_events row. */
interface BookingEventColumns {
  calendar_id: string;
  booking_id: string;
  href: string;
  etag: string | null;
  starts_at: Date;
  ends_at: Date;
  sequence: number;
  updated_at: Date;
}

/** Where each of our bookings' events is and what we last wrote there. */
@Injectable()
export class BookingEventStore {
  constructor(private readonly db: DataSource) {}

  async get(calendarId: string, bookingId: string): Promise<BookingEventRow | undefined> {
    const row = await queryOne<BookingEventColumns>(
      this.db,
      `SELECT * FROM booking_events WHERE calendar_id = $1 AND booking_id = $2`,
      [calendarId, bookingId],
    );
    return row && toRow(row);
  }

  /** Those of a calendar still worth watching: not long over. */
  async watched(calendarId: string): Promise<BookingEventRow[]> {
    const rows = await query<BookingEventColumns>(
      this.db,
      `SELECT * FROM booking_events WHERE calendar_id = $1 AND ends_at > now() - interval '1 day' ORDER BY starts_at`,
      [calendarId],
    );
    return rows.map(toRow);
  }

  async save(row: BookingEventRow): Promise<void> {
    await execute(
      this.db,
      `INSERT INTO booking_events (calendar_id, booking_id, href, etag, starts_at, ends_at, sequence, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (calendar_id, booking_id) DO UPDATE
         SET href = excluded.href, etag = excluded.etag, starts_at = excluded.starts_at, ends_at = excluded.ends_at,
             sequence = excluded.sequence, updated_at = excluded.updated_at`,
      // This process's clock, as the poller's markers_at: the two are compared.
      [
        row.calendarId,
        row.bookingId,
        row.href,
        row.etag ?? null,
        new Date(row.start),
        new Date(row.end),
        row.sequence,
        new Date(),
      ],
    );
  }

  async remove(calendarId: string, bookingId: string): Promise<void> {
    await execute(this.db, `DELETE FROM booking_events WHERE calendar_id = $1 AND booking_id = $2`, [
      calendarId,
      bookingId,
    ]);
  }

  /** Events of bookings long over are no longer watched. */
  async prune(): Promise<void> {
    await execute(this.db, `DELETE FROM booking_events WHERE ends_at < now() - interval '30 days'`);
  }
}

function toRow(row: BookingEventColumns): BookingEventRow {
  return {
    calendarId: row.calendar_id,
    bookingId: row.booking_id,
    href: row.href,
    etag: row.etag ?? undefined,
    start: row.starts_at.getTime(),
    end: row.ends_at.getTime(),
    sequence: row.sequence,
    updatedAt: row.updated_at,
  };
}
