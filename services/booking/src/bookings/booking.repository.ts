import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { Booking_Status, BookingSchema, Events, encodeJson, RpcError, type Booking } from '@calldesk/contracts';
import { traceContextNow } from '@calldesk/messaging';
import { execute, query, queryOne } from '@calldesk/persistence';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { releaseHold, type Fence } from '../locks/lock-fences';
import { OutboxRelay } from '../outbox/outbox-relay';

/** A booking's states, and a hold's (held, released, expired), which share the table and its constraint. */
export type BookingStatus = 'pending' | 'confirmed' | 'cancelled' | 'failed' | 'held' | 'released' | 'expired';

export interface BookingRow {
  id: string;
  tenantId: string;
  serviceId: string;
  memberId: string;
  calendarId: string;
  provider: string;
  start: Date;
  end: Date;
  heldStart: Date;
  heldEnd: Date;
  status: BookingStatus;
  customerName: string;
  customerPhone: string;
  /** A hold's end; a booking holds its time until cancelled. */
  expiresAt?: Date;
  notes?: string;
  transcriptUrl?: string;
  eventId?: string;
  abandoned: boolean;
  cancelReason?: string;
  attention?: string;
  createdAt: Date;
  updatedAt: Date;
}

export type NewBooking = Omit<
  BookingRow,
  'status' | 'eventId' | 'abandoned' | 'cancelReason' | 'attention' | 'createdAt' | 'updatedAt' | 'expiresAt'
>;

/** A bookings row as COLUMNS reads it. */
export interface BookingColumns {
  id: string;
  tenant_id: string;
  service_id: string;
  member_id: string;
  calendar_id: string;
  provider: string;
  starts_at: Date;
  ends_at: Date;
  held_start: Date;
  held_end: Date;
  status: BookingStatus;
  customer_name: string | null;
  customer_phone: string | null;
  notes: string | null;
  transcript_url: string | null;
  event_id: string | null;
  abandoned: boolean;
  cancel_reason: string | null;
  attention: string | null;
  created_at: Date;
  updated_at: Date;
  expires_at: Date | null;
}

/** The booking event a status change publishes, through the outbox. */
export type BookingEventKind = 'confirmed' | 'rescheduled' | 'cancelled' | 'flagged';

const OVERLAP = 'bookings_no_overlap';
/**
 * A row while the holder's token is still the calendar's latest (LockFences): the statement that
 * uses it writes only then. The share lock holds off a later grant until the write commits, and a
 * grant that got in first is seen, so no write lands after another holder was granted.
 */
export const fenceCheck = (key: string, token: string) => `fence AS (
  SELECT 1 FROM lock_fences WHERE lock_key = ${key}::text AND revision = ${token}::bigint FOR SHARE)`;
export const COLUMNS = `id, tenant_id, service_id, member_id, calendar_id, provider, starts_at, ends_at,
  lower(held) AS held_start, upper(held) AS held_end, status, customer_name, customer_phone, notes,
  transcript_url, event_id, abandoned, cancel_reason, attention, created_at, updated_at, upper(alive) AS expires_at`;
/** Rows that hold time now: live bookings, and holds not yet past their expiry. */
const HOLDING = `(status IN ('pending', 'confirmed') OR (status = 'held' AND upper(alive) > now()))`;

/** The bookings table, its outbox rows and lock fences: every write that must be atomic is here. */
@Injectable()
export class BookingRepository {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: OutboxRelay,
  ) {}

  /**
   * Holds the time with a `pending` row, and names it in the request's idempotency record, in one
   * statement. Answers undefined when the exclusion constraint finds an overlapping live
   * booking; throws when the lease was lost to a later holder.
   */
  async insertPending(
    booking: NewBooking,
    fence: Fence,
    claim: { tenantId: string; key: string },
  ): Promise<BookingRow | undefined> {
    const now = new Date();
    let rows: BookingColumns[];
    try {
      rows = await query<BookingColumns>(
        this.db,
        `WITH ${fenceCheck('$15', '$16')},
         claim AS (UPDATE idempotency SET booking_id = $1 WHERE tenant_id = $17 AND key = $18 AND EXISTS (SELECT 1 FROM fence))
         INSERT INTO bookings (id, tenant_id, service_id, member_id, calendar_id, provider, starts_at, ends_at, held,
           status, customer_name, customer_phone, notes, transcript_url, created_at, updated_at, alive)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, tstzrange($9, $10, '[)'), 'pending', $11, $12, $13, $14, $19, $19, tstzrange($19, NULL, '[)')
          WHERE EXISTS (SELECT 1 FROM fence)
         RETURNING ${COLUMNS}`,
        [
          booking.id,
          booking.tenantId,
          booking.serviceId,
          booking.memberId,
          booking.calendarId,
          booking.provider,
          booking.start,
          booking.end,
          booking.heldStart,
          booking.heldEnd,
          booking.customerName,
          booking.customerPhone,
          booking.notes ?? null,
          booking.transcriptUrl ?? null,
          fence.key,
          fence.token,
          claim.tenantId,
          claim.key,
          now,
        ],
      );
    } catch (error) {
      if (isOverlap(error)) return undefined;
      throw error;
    }
    if (!rows.length) throw lockLost();
    return toRow(rows[0]);
  }

  /**
   * Turns a hold into the `pending` booking, with the same id and time, while the hold is still
   * alive, and names it in the request's idempotency record, in one statement. Answers undefined
   * when the hold is gone (expired, released or booked); throws when the lease was lost.
   */
  async pendingFromHold(
    booking: NewBooking,
    fence: Fence,
    claim: { tenantId: string; key: string },
  ): Promise<BookingRow | undefined> {
    const now = new Date();
    const rows = await query<BookingColumns>(
      this.db,
      `WITH ${fenceCheck('$11', '$12')},
       claim AS (UPDATE idempotency SET booking_id = $1 WHERE tenant_id = $13 AND key = $14 AND EXISTS (SELECT 1 FROM fence))
       UPDATE bookings SET status = 'pending', alive = tstzrange(lower(alive), NULL, '[)'), customer_name = $5, customer_phone = $6,
              notes = $7, transcript_url = $8, calendar_id = $9, provider = $10, updated_at = $15
        WHERE id = $1 AND tenant_id = $2 AND member_id = $3 AND service_id = $4 AND status = 'held' AND upper(alive) > $15
          AND EXISTS (SELECT 1 FROM fence)
       RETURNING ${COLUMNS}`,
      [
        booking.id,
        booking.tenantId,
        booking.memberId,
        booking.serviceId,
        booking.customerName,
        booking.customerPhone,
        booking.notes ?? null,
        booking.transcriptUrl ?? null,
        booking.calendarId,
        booking.provider,
        fence.key,
        fence.token,
        claim.tenantId,
        claim.key,
        now,
      ],
    );
    if (rows.length) return toRow(rows[0]);
    if (await this.fenceMoved(fence)) throw lockLost();
    return undefined;
  }

  private async fenceMoved(fence: Fence): Promise<boolean> {
    const row = await queryOne<{ revision: string }>(this.db, `SELECT revision FROM lock_fences WHERE lock_key = $1`, [
      fence.key,
    ]);
    return row !== undefined && Number(row.revision) !== fence.token;
  }

  /**
   * Moves a booking from the state `row` shows to the next, and writes the booking event for it to
   * the outbox, in one statement. The row's updatedAt is its version: if the booking changed
   * since `row` was read (another settler got there first), nothing is written and the current
   * row is returned. A lost lease throws; a new time that overlaps another booking throws
   * failed_precondition with reason slot_taken. With `answer`, the request's idempotency record
   * gets its reply in the same statement (and the claim says so). With `releasesCalendar`, the
   * change is the holder's last write: the same statement lets the calendar's hold go (and the
   * fence says so), which saves every booking a statement of its own.
   */
  async transition(
    row: BookingRow,
    change: {
      status: BookingStatus;
      eventId?: string;
      times?: Pick<BookingRow, 'start' | 'end' | 'heldStart' | 'heldEnd'>;
      cancelReason?: string;
      attention?: string;
      releasesCalendar?: boolean;
    },
    event: BookingEventKind | undefined,
    fence?: Fence,
    answer?: { claim: { tenantId: string; key: string; answered?: boolean }; reply: (row: BookingRow) => unknown },
  ): Promise<BookingRow> {
    const next: BookingRow = {
      ...row,
      ...change.times,
      status: change.status,
      eventId: change.eventId ?? row.eventId,
      cancelReason: change.cancelReason ?? row.cancelReason,
      attention: change.attention ?? row.attention,
      // Versions only grow, even if the clock steps back.
      updatedAt: new Date(Math.max(Date.now(), row.updatedAt.getTime() + 1)),
    };
    const outbox = event && {
      subject: {
        confirmed: Events.bookingConfirmed,
        rescheduled: Events.bookingRescheduled,
        cancelled: Events.bookingCancelled,
        flagged: Events.bookingFlagged,
      }[event].subject,
      msgId: `booking:${row.id}:${event}:${next.updatedAt.getTime()}`,
      body: encodeJson(BookingSchema, toBooking(next)),
      // The relay publishes the event inside this booking's trace, whoever wakes it.
      traceContext: JSON.stringify(traceContextNow()),
    };
    let changed: number;
    try {
      [{ changed }] = await query<{ changed: number }>(
        this.db,
        `WITH ${fenceCheck('$1', '$2')},
         changed AS (
           UPDATE bookings SET status = $3, event_id = $4, starts_at = $5, ends_at = $6, held = tstzrange($7, $8, '[)'), updated_at = $9,
                  cancel_reason = $15, attention = $16
            WHERE id = $10 AND updated_at = $11 AND ($1::text IS NULL OR EXISTS (SELECT 1 FROM fence))
           RETURNING id),
         queued AS (INSERT INTO outbox (subject, msg_id, body, trace_context) SELECT $12, $13, $14::jsonb, $20::jsonb FROM changed WHERE $12::text IS NOT NULL),
         answered AS (
           UPDATE idempotency SET reply = $19::jsonb, lease_until = now()
            WHERE $17::text IS NOT NULL AND tenant_id = $17 AND key = $18 AND EXISTS (SELECT 1 FROM changed)),
         released AS (${releaseHold('$1', '$2')} AND $21::boolean AND EXISTS (SELECT 1 FROM changed))
         SELECT count(*)::int AS changed FROM changed`,
        [
          fence?.key ?? null,
          fence?.token ?? null,
          next.status,
          next.eventId ?? null,
          next.start,
          next.end,
          next.heldStart,
          next.heldEnd,
          next.updatedAt,
          row.id,
          row.updatedAt,
          outbox?.subject ?? null,
          outbox?.msgId ?? null,
          outbox?.body ?? null,
          next.cancelReason ?? null,
          next.attention ?? null,
          answer?.claim.tenantId ?? null,
          answer?.claim.key ?? null,
          answer ? JSON.stringify(answer.reply(next)) : null,
          outbox?.traceContext ?? null,
          Boolean(fence && change.releasesCalendar),
        ],
      );
    } catch (error) {
      if (isOverlap(error))
        throw new RpcError('failed_precondition', 'the new time overlaps another booking', { reason: 'slot_taken' });
      throw error;
    }
    if (changed) {
      if (fence && change.releasesCalendar) fence.released = true;
      if (outbox) {
        this.outbox.announce(toBooking(next));
        this.outbox.wake();
      }
      if (answer) answer.claim.answered = true;
      return next;
    }
    if (fence && (await this.fenceMoved(fence))) throw lockLost();
    const [current] = await query<BookingColumns>(this.db, `SELECT ${COLUMNS} FROM bookings WHERE id = $1`, [row.id]);
    return toRow(current);
  }

  /** Marks a pending booking as given up, for the reconciler to undo if the undo cannot run now. */
  async abandon(id: string): Promise<void> {
    await execute(this.db, `UPDATE bookings SET abandoned = true WHERE id = $1 AND status = 'pending'`, [id]);
  }

  async get(tenantId: string, id: string): Promise<BookingRow | undefined> {
    if (!isUuid(id)) return undefined;
    const row = await queryOne<BookingColumns>(
      this.db,
      `SELECT ${COLUMNS} FROM bookings WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id],
    );
    return row && toRow(row);
  }

  /** Whether a live booking or hold of the member, other than `except`, holds any of [from, to). */
  async overlapsLive(tenantId: string, memberId: string, from: Date, to: Date, except?: string): Promise<boolean> {
    const rows = await query<{ id: string }>(
      this.db,
      `SELECT id FROM bookings WHERE tenant_id = $1 AND member_id = $2 AND ${HOLDING}
         AND held && tstzrange($3, $4, '[)') AND ($5::uuid IS NULL OR id <> $5::uuid) LIMIT 1`,
      [tenantId, memberId, from, to, except ?? null],
    );
    return rows.length > 0;
  }

  /**
   * The tenant's live bookings made within `withinMs`: routing may not have read their events
   * yet, so they go with a candidates request to count towards the balance.
   */
  async recent(
    tenantId: string,
    withinMs: number,
  ): Promise<{ bookingId: string; memberId: string; bookedAt: string }[]> {
    const rows = await query<{ id: string; member_id: string; created_at: Date }>(
      this.db,
      `SELECT id, member_id, created_at FROM bookings
        WHERE tenant_id = $1 AND status IN ('pending', 'confirmed') AND created_at > now() - $2 * interval '1 millisecond'
        ORDER BY created_at DESC LIMIT 500`,
      [tenantId, withinMs],
    );
    return rows.map((r) => ({
      bookingId: r.id,
      memberId: r.member_id,
      bookedAt: r.created_at.toISOString(),
    }));
  }

  /** Held spans of the members' live bookings and holds that meet [from, to). */
  async liveHeld(
    tenantId: string,
    memberIds: string[],
    from: Date,
    to: Date,
  ): Promise<{ memberId: string; start: number; end: number }[]> {
    const rows = await query<{ member_id: string; s: Date; e: Date }>(
      this.db,
      `SELECT member_id, lower(held) AS s, upper(held) AS e FROM bookings
        WHERE tenant_id = $1 AND member_id = ANY($2) AND ${HOLDING} AND held && tstzrange($3, $4, '[)')`,
      [tenantId, memberIds, from, to],
    );
    return rows.map((r) => ({ memberId: r.member_id, start: r.s.getTime(), end: r.e.getTime() }));
  }

  /** A page of a tenant's bookings by start; the cursor is the last (start, id) seen. */
  async list(
    tenantId: string,
    range: { from: Date; to: Date },
    memberId: string | undefined,
    pageSize: number,
    after?: { start: Date; id: string },
  ): Promise<BookingRow[]> {
    const rows = await query<BookingColumns>(
      this.db,
      `SELECT ${COLUMNS} FROM bookings
        WHERE tenant_id = $1 AND starts_at >= $2 AND starts_at < $3 AND status IN ('confirmed', 'cancelled')
          AND ($4::text IS NULL OR member_id = $4)
          AND ($5::timestamptz IS NULL OR (starts_at, id) > ($5, $6::uuid))
        ORDER BY starts_at, id LIMIT $7`,
      [tenantId, range.from, range.to, memberId ?? null, after?.start ?? null, after?.id ?? null, pageSize],
    );
    return rows.map(toRow);
  }

  /**
   * Bookings that have had an event (confirmed, or cancelled after) and end after `endsAfter`, in
   * id order after `afterId`: what projections of booking events are rebuilt from.
   */
  async current(endsAfter: Date, limit: number, afterId?: string): Promise<BookingRow[]> {
    const rows = await query<BookingColumns>(
      this.db,
      `SELECT ${COLUMNS} FROM bookings
        WHERE status IN ('confirmed', 'cancelled') AND ends_at > $1 AND ($2::uuid IS NULL OR id > $2)
        ORDER BY id LIMIT $3`,
      [endsAfter, afterId ?? null, limit],
    );
    return rows.map(toRow);
  }

  /** Bookings undone (failed) at least `graceMs` ago whose provider event has not been swept since. */
  async unswept(
    graceMs: number,
    limit: number,
  ): Promise<Pick<BookingRow, 'id' | 'tenantId' | 'calendarId' | 'provider'>[]> {
    return query<Pick<BookingRow, 'id' | 'tenantId' | 'calendarId' | 'provider'>>(
      this.db,
      `SELECT id, tenant_id AS "tenantId", calendar_id AS "calendarId", provider FROM bookings
        WHERE status = 'failed' AND event_swept_at IS NULL AND updated_at < now() - $1 * interval '1 millisecond'
        ORDER BY updated_at LIMIT $2`,
      [graceMs, limit],
    );
  }

  async swept(id: string): Promise<void> {
    await execute(this.db, `UPDATE bookings SET event_swept_at = now() WHERE id = $1`, [id]);
  }

  /** Pending bookings not touched for `graceMs`: left by a crash. */
  async abandoned(graceMs: number, limit: number): Promise<BookingRow[]> {
    const rows = await query<BookingColumns>(
      this.db,
      `SELECT ${COLUMNS} FROM bookings WHERE status = 'pending' AND updated_at < now() - $1 * interval '1 millisecond'
        ORDER BY updated_at LIMIT $2`,
      [graceMs, limit],
    );
    return rows.map(toRow);
  }
}

/** Whether a row is a booking as callers know it: confirmed or cancelled (pending is not yet one; holds never are). */
export function isVisibleBooking(row: BookingRow | undefined): row is BookingRow {
  return row?.status === 'confirmed' || row?.status === 'cancelled';
}

/** The Booking message of the public contract. */
export function toBooking(row: BookingRow): Booking {
  return create(BookingSchema, {
    id: row.id,
    tenantId: row.tenantId,
    serviceId: row.serviceId,
    memberId: row.memberId,
    calendarId: row.calendarId,
    start: row.start.toISOString(),
    end: row.end.toISOString(),
    status:
      row.status === 'cancelled'
        ? Booking_Status.cancelled
        : row.status === 'confirmed'
          ? Booking_Status.confirmed
          : Booking_Status.pending,
    customer: { name: row.customerName, phone: row.customerPhone },
    notes: row.notes,
    transcriptUrl: row.transcriptUrl,
    cancelReason: row.cancelReason,
    attention: row.attention,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  } satisfies MessageInitShape<typeof BookingSchema>);
}

export function lockLost(): RpcError {
  return new RpcError('unavailable', 'the calendar lock was lost to another attempt; try again', { retryable: true });
}

export function toRow(r: BookingColumns): BookingRow {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    serviceId: r.service_id,
    memberId: r.member_id,
    calendarId: r.calendar_id,
    provider: r.provider,
    start: r.starts_at,
    end: r.ends_at,
    heldStart: r.held_start,
    heldEnd: r.held_end,
    status: r.status,
    customerName: r.customer_name ?? '',
    customerPhone: r.customer_phone ?? '',
    expiresAt: r.expires_at ?? undefined,
    notes: r.notes ?? undefined,
    transcriptUrl: r.transcript_url ?? undefined,
    eventId: r.event_id ?? undefined,
    abandoned: r.abandoned,
    cancelReason: r.cancel_reason ?? undefined,
    attention: r.attention ?? undefined,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function isOverlap(error: unknown): boolean {
  return (
    (error as { constraint?: string; driverError?: { constraint?: string } })?.driverError?.constraint === OVERLAP ||
    (error as { constraint?: string })?.constraint === OVERLAP
  );
}

export function isUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}
