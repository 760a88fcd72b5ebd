import { OAuthCalendarStore, type ListedCalendar, type OAuthCalendar } from '@calldesk/connector-kit';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface Calendar extends OAuthCalendar {
  /** When the current delta round (the sync token is its delta link) began: at its full sync. */
  syncRoundStartedAt: Date | null;
}

export type { ListedCalendar };

/** A Microsoft connection's calendars, their role, and each one's sync state (push by subscriptions, delta rounds). */
@Injectable()
export class CalendarStore extends OAuthCalendarStore<Calendar> {
  constructor(db: DataSource) {
    super(db, { provider: 'microsoft', pushTable: 'subscriptions', syncStateColumns: ['c.sync_round_started_at AS "syncRoundStartedAt"'] });
  }

  /** Saves the delta link; `newRound` when it comes from a full sync (a new window). */
  override async saveSyncToken(id: string, syncToken: string | null, nextSyncInMs: number, newRound = false): Promise<void> {
    await this.db.query(
      `UPDATE calendars SET sync_token = $2, synced_at = now(), next_sync_at = now() + make_interval(secs => $3::double precision / 1000),
         sync_round_started_at = CASE WHEN $4 THEN now() ELSE sync_round_started_at END WHERE id = $1`,
      [id, syncToken, nextSyncInMs, newRound],
    );
  }
}
