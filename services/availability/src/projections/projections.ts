import {
  Booking_Status,
  Connection_Status,
  Hold_Status,
  type Booking,
  type ConnectionStatusChanged,
  type Hold,
} from '@calldesk/contracts';
import { execute, queryOne } from '@calldesk/persistence';
import type { DataSource } from 'typeorm';

/**
 * Applies a booking event to the member's booked spans and answers the span as it now stands.
 * Idempotent, and an older version of a booking never overwrites a newer one (then the answer is
 * undefined), so redelivery and reordering are harmless.
 */
export function applyBooking(db: DataSource, booking: Booking): Promise<AppliedSpan | undefined> {
  return applySpan(db, { ...booking, live: isLive(booking) });
}

/**
 * Applies a hold event the same way: a held slot takes its time until it expires, a released or
 * expired one none. A hold that became a booking is overwritten by the booking's newer version.
 */
export function applyHold(db: DataSource, hold: Hold): Promise<AppliedSpan | undefined> {
  return applySpan(db, { ...hold, live: isHeld(hold) });
}

export interface AppliedSpan {
  live: boolean;
  start: Date;
  end: Date;
  expiresAt?: Date;
}

async function applySpan(
  db: DataSource,
  span: {
    id: string;
    tenantId: string;
    memberId: string;
    start: string;
    end: string;
    live: boolean;
    expiresAt?: string;
    createdAt: string;
    updatedAt: string;
  },
): Promise<AppliedSpan | undefined> {
  const row = await queryOne<{ live: boolean; starts_at: Date; ends_at: Date; expires_at: Date | null }>(
    db,
    `INSERT INTO booked_spans (booking_id, tenant_id, member_id, starts_at, ends_at, live, version, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (booking_id) DO UPDATE
       SET member_id = excluded.member_id, starts_at = excluded.starts_at, ends_at = excluded.ends_at,
           live = excluded.live, version = excluded.version, expires_at = excluded.expires_at
       WHERE booked_spans.version <= excluded.version
     RETURNING live, starts_at, ends_at, expires_at`,
    [
      span.id,
      span.tenantId,
      span.memberId,
      span.start,
      span.end,
      span.live,
      span.updatedAt || span.createdAt,
      span.expiresAt ?? null,
    ],
  );
  // Nothing comes back when a newer version of the booking was applied already.
  return (
    row && {
      live: row.live,
      start: row.starts_at,
      end: row.ends_at,
      ...(row.expires_at ? { expiresAt: row.expires_at } : {}),
    }
  );
}

/**
 * Records which connector holds a member's calendars and whether it can be read, as of `version`:
 * when the stream stored the event (µs), or, rebuilt from a connector, when it stored the last
 * event before the connector was asked. An older version never overwrites a newer one, so the
 * two consumers that apply events, redelivery and a rebuild racing with events are harmless.
 */
export async function applyConnection(db: DataSource, event: ConnectionStatusChanged, version: number): Promise<void> {
  await execute(
    db,
    `INSERT INTO member_connections (connection_id, tenant_id, member_id, provider, status, updated_at, version)
     VALUES ($1, $2, $3, $4, $5, now(), $6)
     ON CONFLICT (connection_id) DO UPDATE
       SET status = excluded.status, provider = excluded.provider, member_id = excluded.member_id, updated_at = now(),
           version = excluded.version
       WHERE member_connections.version IS NULL OR member_connections.version < excluded.version`,
    [event.connectionId, event.tenantId, event.memberId, event.provider, Connection_Status[event.status], version],
  );
}

/** A pending or confirmed booking holds its time; a cancelled one does not. */
export function isLive(booking: Booking): boolean {
  return booking.status === Booking_Status.confirmed || booking.status === Booking_Status.pending;
}

/** A hold holds its time while it is held (and until it expires: the schedule looks at that). */
export function isHeld(hold: Hold): boolean {
  return hold.status === Hold_Status.held;
}
