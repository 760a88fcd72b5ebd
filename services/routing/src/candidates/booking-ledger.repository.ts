import { execute, query } from '@calldesk/persistence';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { MemberLoad } from './balancing';

/** One booking as the ledger keeps it: who serves it, whether it is live, when it was made. */
export interface LedgerEntry {
  bookingId: string;
  tenantId: string;
  memberId: string;
  serviceId: string;
  /** The booking's status name; `confirmed` is live. */
  status: string;
  bookedAt: string;
  updatedAt: string;
}

/**
 * The bookings routing balances by, fed only by booking events: a projection of the booking
 * service's truth, never edited any other way.
 */
@Injectable()
export class BookingLedgerRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records the booking's state unless the ledger already holds a later one, so redelivered,
   * republished and out-of-order events leave it as the newest event says. At the same
   * updatedAt a cancellation wins, since a cancelled booking never comes back.
   */
  async record(entry: LedgerEntry): Promise<void> {
    await execute(
      this.dataSource,
      `INSERT INTO booking_ledger (booking_id, tenant_id, member_id, service_id, status, booked_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (booking_id) DO UPDATE SET
         tenant_id = EXCLUDED.tenant_id, member_id = EXCLUDED.member_id, service_id = EXCLUDED.service_id,
         status = EXCLUDED.status, booked_at = EXCLUDED.booked_at, updated_at = EXCLUDED.updated_at
       WHERE booking_ledger.updated_at < EXCLUDED.updated_at
          OR (booking_ledger.updated_at = EXCLUDED.updated_at AND EXCLUDED.status = 'cancelled')`,
      [entry.bookingId, entry.tenantId, entry.memberId, entry.serviceId, entry.status, entry.bookedAt, entry.updatedAt],
    );
  }

  /**
   * Each member's live bookings made within the trailing `windowDays`, across all the tenant's
   * services, and when it was last booked. Members without live bookings are left out.
   */
  async loads(
    tenantId: string,
    memberIds: string[],
    windowDays: number,
    recent: readonly { bookingId: string; memberId: string; bookedAt: string }[] = [],
  ): Promise<Map<string, Omit<MemberLoad, 'weight'>>> {
    // The caller's recent bookings join the ledger's rows unless the ledger already has them.
    const rows = await query<{ member_id: string; live_bookings: number; last_booked_at: Date }>(
      this.dataSource,
      `WITH recent AS (
         SELECT * FROM unnest($4::text[], $5::text[], $6::timestamptz[]) AS r(booking_id, member_id, booked_at)
          WHERE NOT EXISTS (SELECT 1 FROM booking_ledger l WHERE l.booking_id = r.booking_id)
       ),
       live AS (
         SELECT member_id, booked_at FROM booking_ledger WHERE tenant_id = $1 AND member_id = ANY($2::text[]) AND status = 'confirmed'
         UNION ALL SELECT member_id, booked_at FROM recent WHERE member_id = ANY($2::text[])
       )
       SELECT member_id,
              count(*) FILTER (WHERE booked_at >= now() - make_interval(days => $3))::int AS live_bookings,
              max(booked_at) AS last_booked_at
       FROM live
       GROUP BY member_id`,
      [
        tenantId,
        memberIds,
        windowDays,
        recent.map((r) => r.bookingId),
        recent.map((r) => r.memberId),
        recent.map((r) => r.bookedAt),
      ],
    );
    return new Map(
      rows.map((row) => [
        row.member_id,
        { memberId: row.member_id, liveBookings: row.live_bookings, lastBookedAt: row.last_booked_at.getTime() },
      ]),
    );
  }
}
