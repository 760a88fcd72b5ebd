import { execute, query, queryOne } from '@calldesk/persistence';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { assignRoles, changeRole, type CalendarRole } from '../calendar-roles';
import type { ConnectionStatus } from '../connector-events';
import { newProviderId } from '../ids';
import { OAUTH_CONNECTOR, type OAuthConnectorOptions } from './oauth-connector-options';

export interface OAuthCalendar {
  id: string;
  connectionId: string;
  tenantId: string;
  memberId: string;
  providerCalendarId: string;
  name: string;
  timeZone: string;
  writable: boolean;
  isPrimary: boolean;
  role: CalendarRole;
  syncToken: string | null;
  nextSyncAt: Date;
  /** The connection's status, joined. */
  connectionStatus: ConnectionStatus;
}

/** A calendar as the provider lists it. */
export interface ListedCalendar {
  providerCalendarId: string;
  name: string;
  timeZone: string;
  writable: boolean;
  isPrimary: boolean;
}

const FROM = `calendars c JOIN connections n ON n.id = c.connection_id`;
const COLUMNS = `c.id, c.connection_id AS "connectionId", c.tenant_id AS "tenantId", c.member_id AS "memberId",
  c.provider_calendar_id AS "providerCalendarId", c.name, c.time_zone AS "timeZone", c.writable, c.is_primary AS "isPrimary",
  c.role, c.sync_token AS "syncToken", c.next_sync_at AS "nextSyncAt", n.status AS "connectionStatus"`;

/** A connection's calendars, their role, and each one's sync state. */
@Injectable()
export class OAuthCalendarStore {
  constructor(
    private readonly db: DataSource,
    @Inject(OAUTH_CONNECTOR) private readonly options: OAuthConnectorOptions,
  ) {}

  async get(tenantId: string, id: string): Promise<OAuthCalendar | undefined> {
    return queryOne<OAuthCalendar>(this.db, `SELECT ${COLUMNS} FROM ${FROM} WHERE c.tenant_id = $1 AND c.id = $2`, [
      tenantId,
      id,
    ]);
  }

  async byId(id: string): Promise<OAuthCalendar | undefined> {
    return queryOne<OAuthCalendar>(this.db, `SELECT ${COLUMNS} FROM ${FROM} WHERE c.id = $1`, [id]);
  }

  async ofMember(tenantId: string, memberId: string): Promise<OAuthCalendar[]> {
    return query<OAuthCalendar>(
      this.db,
      `SELECT ${COLUMNS} FROM ${FROM} WHERE c.tenant_id = $1 AND c.member_id = $2 AND n.status <> 'disconnected' ORDER BY c.is_primary DESC, c.name, c.id`,
      [tenantId, memberId],
    );
  }

  async ofConnection(connectionId: string): Promise<OAuthCalendar[]> {
    return query<OAuthCalendar>(
      this.db,
      `SELECT ${COLUMNS} FROM ${FROM} WHERE c.connection_id = $1 ORDER BY c.is_primary DESC, c.name, c.id`,
      [connectionId],
    );
  }

  /**
   * Makes the stored calendars those the provider lists, with connector-kit's role rules: known
   * calendars keep their role; on first connect the primary (or first writable) one books and
   * every other one blocks.
   */
  async replace(
    connection: { id: string; tenantId: string; memberId: string },
    listed: ListedCalendar[],
  ): Promise<OAuthCalendar[]> {
    await this.db.transaction(async (tx) => {
      const known = await query<{ id: string; providerCalendarId: string; role: CalendarRole }>(
        tx,
        `SELECT id, provider_calendar_id AS "providerCalendarId", role FROM calendars WHERE connection_id = $1 FOR UPDATE`,
        [connection.id],
      );
      const roles = assignRoles(
        listed.map((l) => ({ key: l.providerCalendarId, writable: l.writable, primary: l.isPrimary })),
        new Map(known.map((k) => [k.providerCalendarId, k.role])),
        false,
      );
      const stillListed = new Set(listed.map((l) => l.providerCalendarId));
      const gone = known.filter((k) => !stillListed.has(k.providerCalendarId)).map((k) => k.id);
      if (gone.length) await execute(tx, `DELETE FROM calendars WHERE id = ANY($1)`, [gone]);
      // Roles first to 'blocking', so the one-booking-calendar index holds while they change.
      await execute(tx, `UPDATE calendars SET role = 'blocking' WHERE connection_id = $1 AND role = 'booking'`, [
        connection.id,
      ]);
      const ids = new Map(known.map((k) => [k.providerCalendarId, k.id]));
      for (const calendar of [...listed].sort(
        (a, b) =>
          Number(roles.get(a.providerCalendarId) === 'booking') - Number(roles.get(b.providerCalendarId) === 'booking'),
      )) {
        await execute(
          tx,
          `INSERT INTO calendars (id, connection_id, tenant_id, member_id, provider_calendar_id, name, time_zone, writable, is_primary, role)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (id) DO UPDATE SET name = excluded.name, time_zone = excluded.time_zone, writable = excluded.writable,
             is_primary = excluded.is_primary, role = excluded.role`,
          [
            ids.get(calendar.providerCalendarId) ?? newProviderId(this.options.provider),
            connection.id,
            connection.tenantId,
            connection.memberId,
            calendar.providerCalendarId,
            calendar.name,
            calendar.timeZone,
            calendar.writable,
            calendar.isPrimary,
            roles.get(calendar.providerCalendarId),
          ],
        );
      }
    });
    return this.ofConnection(connection.id);
  }

  /** Applies a role change (connector-kit's changeRole: one writable booking calendar per member). */
  async setRole(calendar: OAuthCalendar, role: CalendarRole): Promise<OAuthCalendar> {
    await this.db.transaction(async (tx) => {
      const siblings = await query<{ calendarId: string; role: CalendarRole; writable: boolean }>(
        tx,
        `SELECT id AS "calendarId", role, writable FROM calendars WHERE connection_id = $1 FOR UPDATE`,
        [calendar.connectionId],
      );
      const changes = changeRole(siblings, calendar.id, role);
      // Demotions first, so the one-booking-calendar index holds at every step.
      for (const change of [...changes].sort((a) => (a.role === 'booking' ? 1 : -1))) {
        await execute(tx, `UPDATE calendars SET role = $2 WHERE id = $1`, [change.calendarId, change.role]);
      }
    });
    return (await this.byId(calendar.id))!;
  }

  async saveSyncToken(id: string, syncToken: string | null, nextSyncInMs: number): Promise<void> {
    await execute(
      this.db,
      `UPDATE calendars SET sync_token = $2, synced_at = now(), next_sync_at = now() + make_interval(secs => $3::double precision / 1000) WHERE id = $1`,
      [id, syncToken, nextSyncInMs],
    );
  }

  /** Asks for a sync of the calendar (a push arrived); the holder of its lease runs again. */
  async requestSync(id: string): Promise<void> {
    await execute(
      this.db,
      `UPDATE calendars SET sync_requested_at = clock_timestamp(), next_sync_at = LEAST(next_sync_at, now()) WHERE id = $1`,
      [id],
    );
  }

  /**
   * Takes the calendar's sync lease (one instance syncs a calendar at a time); answers the time
   * it was taken, or undefined when another holds it.
   */
  async lease(id: string, leaseMs: number): Promise<Date | undefined> {
    const [taken] = await query<{ at: Date }>(
      this.db,
      `UPDATE calendars SET sync_lease_until = clock_timestamp() + make_interval(secs => $2::double precision / 1000)
       WHERE id = $1 AND (sync_lease_until IS NULL OR sync_lease_until < clock_timestamp()) RETURNING clock_timestamp() AS at`,
      [id, leaseMs],
    );
    return taken?.at;
  }

  /** Gives the lease back; true when a sync was asked for while it was held (run again). */
  async release(id: string, takenAt: Date): Promise<boolean> {
    const [released] = await query<{ again: boolean | null }>(
      this.db,
      `UPDATE calendars SET sync_lease_until = NULL WHERE id = $1 RETURNING sync_requested_at > $2 AS again`,
      [id, takenAt],
    );
    return Boolean(released?.again);
  }

  /**
   * Calendars of live connections (not ignored, not leased) that need work: their periodic sync
   * is due, or (with push on) they have no open channel or subscription (in the push table) that
   * outlives `renewWithinMs`.
   */
  async needingWork(push: boolean, renewWithinMs: number, limit: number): Promise<OAuthCalendar[]> {
    return query<OAuthCalendar>(
      this.db,
      `SELECT ${COLUMNS} FROM ${FROM}
       WHERE n.status = 'connected' AND c.role <> 'ignored'
         AND (c.sync_lease_until IS NULL OR c.sync_lease_until < clock_timestamp())
         AND (c.next_sync_at <= now() OR ($1 AND NOT EXISTS (
           SELECT 1 FROM ${this.options.pushTable.name} h WHERE h.calendar_id = c.id AND h.state = 'open'
             AND h.expires_at > now() + make_interval(secs => $2::double precision / 1000))))
       ORDER BY c.next_sync_at LIMIT $3`,
      [push, renewWithinMs, limit],
    );
  }

  async remove(connectionId: string): Promise<void> {
    await execute(this.db, `DELETE FROM calendars WHERE connection_id = $1`, [connectionId]);
  }
}
