import { query } from '@calldesk/persistence';
import { ReportsHealth, type HealthCheck } from '@calldesk/service-kit';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

const STUCK_AFTER_S = 60;

/** Booking events waiting too long to reach the stream mean the relay cannot publish. */
@Injectable()
@ReportsHealth()
export class OutboxHealth implements HealthCheck {
  readonly name = 'outbox';

  constructor(private readonly db: DataSource) {}

  async check(): Promise<{ ok: boolean; detail?: string }> {
    const [{ stuck }] = await query<{ stuck: number }>(
      this.db,
      `SELECT count(*)::int AS stuck FROM outbox WHERE published_at IS NULL AND created_at < now() - $1 * interval '1 second'`,
      [STUCK_AFTER_S],
    );
    return stuck
      ? { ok: false, detail: `${stuck} booking events unpublished for over ${STUCK_AFTER_S} s` }
      : { ok: true };
  }
}
