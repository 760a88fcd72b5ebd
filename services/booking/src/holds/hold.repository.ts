import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { Events, encodeJson, Hold_Status, HoldSchema, type Hold } from '@calldesk/contracts';
import { execute, query } from '@calldesk/persistence';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  BookingRepository,
  COLUMNS,
  fenceCheck,
  isOverlap,
  lockLost,
  toRow,
  type BookingColumns,
  type BookingRow,
} from '../bookings/booking.repository';
import type { Fence } from '../locks/lock-fences';
import { OutboxRelay } from '../outbox/outbox-relay';

export interface NewHold {
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
  ttlSeconds: number;
}

type HoldEvent = 'created' | 'released' | 'expired';

/**
 * Holds in the bookings table, under its exclusion constraint: a `held` row is alive until its
 * expiry and blocks nothing after. Each change writes its hold event to the outbox in the same
 * statement (or transaction), and is told to availability at once.
 */
@Injectable()
export class HoldRepository {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: OutboxRelay,
    private readonly bookings: BookingRepository,
  ) {}

  /**
   * Holds the time until `ttlSeconds` from now and names it in the request's idempotency record.
   * Answers undefined when a live booking or hold overlaps; throws when the lease was lost.
   */
  async insert(hold: NewHold, fence: Fence, claim: { tenantId: string; key: string }): Promise<BookingRow | undefined> {
    const now = new Date();
    const expiresAt = new Date(now.getTime() + hold.ttlSeconds * 1_000);
    const row: BookingRow = {
      ...hold,
      status: 'held',
      customerName: '',
      customerPhone: '',
      expiresAt,
      abandoned: false,
      createdAt: now,
      updatedAt: now,
    };
    const event = outboxRow(row, 'created');
    let rows: BookingColumns[];
    try {
      rows = await query<BookingColumns>(
        this.db,
        `WITH ${fenceCheck('$13', '$14')},
         claim AS (UPDATE idempotency SET booking_id = $1 WHERE tenant_id = $15 AND key = $16 AND EXISTS (SELECT 1 FROM fence)),
         inserted AS (
           INSERT INTO bookings (id, tenant_id, service_id, member_id, calendar_id, provider, starts_at, ends_at, held,
             status, alive, created_at, updated_at)
           SELECT $1, $2, $3, $4, $5, $6, $7, $8, tstzrange($9, $10, '[)'), 'held', tstzrange($11, $12, '[)'), $11, $11
            WHERE EXISTS (SELECT 1 FROM fence)
           RETURNING ${COLUMNS}),
         queued AS (INSERT INTO outbox (subject, msg_id, body) SELECT $17, $18, $19::jsonb FROM inserted)
         SELECT * FROM inserted`,
        [
          hold.id,
          hold.tenantId,
          hold.serviceId,
          hold.memberId,
          hold.calendarId,
          hold.provider,
          hold.start,
          hold.end,
          hold.heldStart,
          hold.heldEnd,
          now,
          expiresAt,
          fence.key,
          fence.token,
          claim.tenantId,
          claim.key,
          event.subject,
          event.msgId,
          event.body,
        ],
      );
    } catch (error) {
      if (isOverlap(error)) return undefined;
      throw error;
    }
    if (!rows.length) throw lockLost();
    return this.told(toRow(rows[0]));
  }

  /** The hold, as it stands; undefined when there is none of that id for the tenant. */
  /** Lets a live hold go at once; a hold already over answers as it is. */
  async release(tenantId: string, id: string): Promise<BookingRow | undefined> {
    const now = new Date();
    const current = await this.bookings.get(tenantId, id);
    if (!current || current.status !== 'held' || current.expiresAt! <= now) return current;
    const released: BookingRow = { ...current, status: 'released', expiresAt: now, updatedAt: now };
    const event = outboxRow(released, 'released');
    const rows = await query<BookingColumns>(
      this.db,
      `WITH released AS (
         UPDATE bookings SET status = 'released', alive = tstzrange(lower(alive), $3, '[)'), updated_at = $3
          WHERE tenant_id = $1 AND id = $2 AND status = 'held' AND upper(alive) > $3
         RETURNING ${COLUMNS}),
       queued AS (INSERT INTO outbox (subject, msg_id, body) SELECT $4, $5, $6::jsonb FROM released)
       SELECT * FROM released`,
      [tenantId, id, now, event.subject, event.msgId, event.body],
    );
    // Booked, expired or released by someone else meanwhile: that is the answer.
    return rows.length ? this.told(toRow(rows[0])) : this.bookings.get(tenantId, id);
  }

  /**
   * Marks holds past their expiry as expired, a batch at a time, with their events. Nothing
   * depends on it for correctness (an expired hold blocks nothing already); it tells the owner's
   * view and the stream that the time is free again.
   */
  async expireDue(limit: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      const due = await query<BookingColumns>(
        tx,
        `UPDATE bookings SET status = 'expired', updated_at = now()
          WHERE id IN (SELECT id FROM bookings WHERE status = 'held' AND upper(alive) <= now() ORDER BY upper(alive) LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING ${COLUMNS}`,
        [limit],
      );
      const rows = due.map(toRow);
      for (const row of rows) {
        const event = outboxRow(row, 'expired');
        await execute(
          tx,
          `INSERT INTO outbox (subject, msg_id, body) VALUES ($1, $2, $3::jsonb) ON CONFLICT (msg_id) DO NOTHING`,
          [event.subject, event.msgId, event.body],
        );
      }
      if (rows.length) {
        rows.forEach((row) => this.outbox.announceHold(toHold(row)));
        this.outbox.wake();
      }
      return rows.length;
    });
  }

  private told(row: BookingRow): BookingRow {
    this.outbox.announceHold(toHold(row));
    this.outbox.wake();
    return row;
  }
}

/** The Hold message of the public contract; a hold that became a booking is `booked`. */
export function toHold(row: BookingRow): Hold {
  return create(HoldSchema, {
    id: row.id,
    tenantId: row.tenantId,
    serviceId: row.serviceId,
    memberId: row.memberId,
    start: row.start.toISOString(),
    end: row.end.toISOString(),
    expiresAt: (row.expiresAt ?? row.updatedAt).toISOString(),
    status: statusOf(row),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  } satisfies MessageInitShape<typeof HoldSchema>);
}

function statusOf(row: BookingRow): Hold_Status {
  if (row.status === 'held')
    return row.expiresAt && row.expiresAt > new Date() ? Hold_Status.held : Hold_Status.expired;
  if (row.status === 'released') return Hold_Status.released;
  if (row.status === 'expired') return Hold_Status.expired;
  return Hold_Status.booked;
}

function outboxRow(row: BookingRow, event: HoldEvent) {
  const subject = { created: Events.holdCreated, released: Events.holdReleased, expired: Events.holdExpired }[event]
    .subject;
  return { subject, msgId: `hold:${row.id}:${event}`, body: encodeJson(HoldSchema, toHold(row)) };
}
