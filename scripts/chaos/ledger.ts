import { Client, type QueryResultRow } from 'pg';

/** A live booking's hold as booking's table has it (pending and confirmed rows hold time). */
export interface Hold {
  id: string;
  memberId: string;
  calendarId: string;
  status: string;
  start: number;
  end: number;
}

/**
 * What booking's own table says, read straight from Postgres: the truth the verdicts hold the
 * provider and slots.find to. Each read is a connection of its own, so a Postgres that was killed
 * and came back is simply used again.
 */
export class Ledger {
  constructor(private readonly url: string) {}

  /** Every booking of these tenants with its status and held span. */
  async bookings(tenantIds: string[]): Promise<Hold[]> {
    const rows = await this.query<{
      id: string;
      member_id: string;
      calendar_id: string;
      status: string;
      start: Date;
      end: Date;
    }>(
      `SELECT id, member_id, calendar_id, status, lower(held) AS start, upper(held) AS "end"
         FROM booking.bookings WHERE tenant_id = ANY($1)`,
      [tenantIds],
    );
    return rows.map((r) => ({
      id: r.id,
      memberId: r.member_id,
      calendarId: r.calendar_id,
      status: r.status,
      start: r.start.getTime(),
      end: r.end.getTime(),
    }));
  }

  /** Pairs of live bookings on one calendar whose held spans overlap: a double booking. */
  async overlaps(tenantIds: string[]): Promise<{ a: string; b: string }[]> {
    return this.query<{ a: string; b: string }>(
      `SELECT x.id AS a, y.id AS b FROM booking.bookings x JOIN booking.bookings y
          ON x.calendar_id = y.calendar_id AND x.id < y.id AND x.held && y.held
       WHERE x.tenant_id = ANY($1) AND x.status IN ('pending', 'confirmed') AND y.status IN ('pending', 'confirmed')`,
      [tenantIds],
    );
  }

  /**
   * What is still moving: pending bookings of these tenants, outbox rows not yet published, and
   * undone bookings whose events the sweeper has yet to delete once more.
   */
  async unsettled(tenantIds: string[]): Promise<{ pending: number; unpublished: number; unswept: number }> {
    const [{ pending, unswept }] = await this.query<{ pending: number; unswept: number }>(
      `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending,
              count(*) FILTER (WHERE status = 'failed' AND event_swept_at IS NULL)::int AS unswept
         FROM booking.bookings WHERE tenant_id = ANY($1)`,
      [tenantIds],
    );
    const [{ unpublished }] = await this.query<{ unpublished: number }>(
      `SELECT count(*)::int AS unpublished FROM booking.outbox WHERE published_at IS NULL`,
    );
    return { pending, unpublished, unswept };
  }

  private async query<Row extends QueryResultRow>(sql: string, params: unknown[] = []): Promise<Row[]> {
    const client = new Client({ connectionString: this.url });
    await client.connect();
    try {
      return (await client.query<Row>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }
}
