import { Booking_Status, Connection_Status, type Booking, type ConnectionStatusChanged } from '@calldesk/contracts';
import type { DataSource } from 'typeorm';

/**
 * Applies a booking event to the member's booked spans and answers the span as it now stands.
 * Idempotent, and an older version of a booking never overwrites a newer one (then the answer is
 * undefined), so redelivery and reordering are harmless.
 */
export async function applyBooking(db: DataSource, booking: Booking): Promise<{ live: boolean; start: Date; end: Date } | undefined> {
  const live = isLive(booking);
  const rows = await db.query(
    `INSERT INTO booked_spans (booking_id, tenant_id, member_id, starts_at, ends_at, live, version)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (booking_id) DO UPDATE
       SET member_id = excluded.member_id, starts_at = excluded.starts_at, ends_at = excluded.ends_at,
           live = excluded.live, version = excluded.version
       WHERE booked_spans.version <= excluded.version
     RETURNING live, starts_at, ends_at`,
    [booking.id, booking.tenantId, booking.memberId, booking.start, booking.end, live, booking.updatedAt || booking.createdAt],
  );
  // Nothing comes back when a newer version of the booking was applied already.
  return rows[0] && { live: rows[0].live, start: rows[0].starts_at, end: rows[0].ends_at };
}

/** Records which connector holds a member's calendars and whether it can be read. */
export async function applyConnection(db: DataSource, event: ConnectionStatusChanged): Promise<void> {
  await db.query(
    `INSERT INTO member_connections (connection_id, tenant_id, member_id, provider, status, updated_at)
     VALUES ($1, $2, $3, $4, $5, now())
     ON CONFLICT (connection_id) DO UPDATE
       SET status = excluded.status, provider = excluded.provider, member_id = excluded.member_id, updated_at = now()`,
    [event.connectionId, event.tenantId, event.memberId, event.provider, Connection_Status[event.status]],
  );
}

/** A pending or confirmed booking holds its time; a cancelled one does not. */
export function isLive(booking: Booking): boolean {
  return booking.status === Booking_Status.confirmed || booking.status === Booking_Status.pending;
}
