import { parseRole, type CalendarRole } from '@calldesk/connector-kit';
import type { EncryptedSecret } from '@calldesk/credentials';
import { execute, query, queryOne } from '@calldesk/persistence';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { REFUSAL_REASONS, type RefusalReason } from '../bounds/read-refused';

export type ConnectionState = 'connected' | 'needs_reauth' | 'disconnected';

export interface ConnectionRow {
  connectionId: string;
  tenantId: string;
  memberId: string;
  kind: 'caldav' | 'apple';
  serverUrl: string;
  principalUrl?: string;
  homeUrl?: string;
  /** For calendars that name no zone of their own: the member's when connected. */
  defaultTimeZone: string;
  credentials?: EncryptedSecret;
  status: ConnectionState;
  unavailableSince?: Date;
}

export interface CalendarRow {
  calendarId: string;
  connectionId: string;
  tenantId: string;
  memberId: string;
  url: string;
  name: string;
  timeZone: string;
  role: CalendarRole;
  writable: boolean;
  ctag?: string;
  syncToken?: string;
  /** When the server was asked for ctag and syncToken. */
  markersAt: Date;
  /** Why the last busy read was refused, until one succeeds. */
  readRefusal?: RefusalReason;
}

/** A calendar with the connection it belongs to. */
export interface ConnectedCalendar extends CalendarRow {
  connection: ConnectionRow;
}

export interface CalendarUpsert {
  calendarId: string;
  url: string;
  name: string;
  timeZone: string;
  role: CalendarRole;
  writable: boolean;
  ctag?: string;
  syncToken?: string;
}

/** A connections row as CONNECTION_COLUMNS reads it. */
interface ConnectionColumns {
  connection_id: string;
  tenant_id: string;
  member_id: string;
  kind: ConnectionRow['kind'];
  server_url: string;
  principal_url: string | null;
  home_url: string | null;
  default_time_zone: string;
  credentials_key_id: string | null;
  credentials_sealed: string | null;
  status: ConnectionState;
  unavailable_since: Date | null;
}

/** A calendars row as CALENDAR_COLUMNS reads it. */
interface CalendarColumns {
  calendar_id: string;
  connection_id: string;
  tenant_id: string;
  member_id: string;
  url: string;
  name: string;
  time_zone: string;
  role: string;
  writable: boolean;
  ctag: string | null;
  sync_token: string | null;
  markers_at: Date;
  read_refusal: string | null;
}

const CONNECTION_COLUMNS = `k.connection_id, k.tenant_id, k.member_id, k.kind, k.server_url, k.principal_url, k.home_url,
  k.default_time_zone, k.credentials_key_id, k.credentials_sealed, k.status, k.unavailable_since`;
const CALENDAR_COLUMNS = `c.calendar_id, c.connection_id, c.tenant_id, c.member_id, c.url, c.name, c.time_zone, c.role,
  c.writable, c.ctag, c.sync_token, c.markers_at, c.read_refusal`;

/** Connections and calendars in this service's schema. */
@Injectable()
export class ConnectionStore {
  constructor(private readonly db: DataSource) {}

  async connection(tenantId: string, connectionId: string): Promise<ConnectionRow | undefined> {
    const row = await queryOne<ConnectionColumns>(
      this.db,
      `SELECT ${CONNECTION_COLUMNS} FROM connections k WHERE k.tenant_id = $1 AND k.connection_id = $2`,
      [tenantId, connectionId],
    );
    return row && toConnection(row);
  }

  async memberConnections(
    tenantId: string,
    memberId: string,
    manager: EntityManager = this.db.manager,
  ): Promise<ConnectionRow[]> {
    const rows = await query<ConnectionColumns>(
      manager,
      `SELECT ${CONNECTION_COLUMNS} FROM connections k WHERE k.tenant_id = $1 AND k.member_id = $2 AND k.status <> 'disconnected'
        ORDER BY k.created_at`,
      [tenantId, memberId],
    );
    return rows.map(toConnection);
  }

  async calendarsOf(connectionId: string, manager: EntityManager = this.db.manager): Promise<CalendarRow[]> {
    const rows = await query<CalendarColumns>(
      manager,
      `SELECT ${CALENDAR_COLUMNS} FROM calendars c WHERE c.connection_id = $1
        ORDER BY CASE c.role WHEN 'booking' THEN 0 WHEN 'blocking' THEN 1 ELSE 2 END, c.name, c.url`,
      [connectionId],
    );
    return rows.map(toCalendar);
  }

  /** All calendars of a member's live connections, with their connection. */
  async memberCalendars(
    tenantId: string,
    memberId: string,
    manager: EntityManager = this.db.manager,
  ): Promise<ConnectedCalendar[]> {
    const rows = await query<CalendarColumns & ConnectionColumns>(
      manager,
      `SELECT ${CALENDAR_COLUMNS}, ${CONNECTION_COLUMNS}
         FROM calendars c JOIN connections k ON k.connection_id = c.connection_id
        WHERE c.tenant_id = $1 AND c.member_id = $2 AND k.status <> 'disconnected'
        ORDER BY k.created_at, c.name, c.url`,
      [tenantId, memberId],
    );
    return rows.map(connected);
  }

  async calendar(tenantId: string, calendarId: string): Promise<ConnectedCalendar | undefined> {
    const row = await queryOne<CalendarColumns & ConnectionColumns>(
      this.db,
      `SELECT ${CALENDAR_COLUMNS}, ${CONNECTION_COLUMNS}
         FROM calendars c JOIN connections k ON k.connection_id = c.connection_id
        WHERE c.tenant_id = $1 AND c.calendar_id = $2`,
      [tenantId, calendarId],
    );
    return row && connected(row);
  }

  /** Runs `work` in a transaction holding the member's lock, so connects and role changes take turns. */
  async forMember<T>(tenantId: string, memberId: string, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(async (manager) => {
      await execute(manager, 'SELECT pg_advisory_xact_lock(hashtext($1))', [
        `connector-caldav:member:${tenantId}:${memberId}`,
      ]);
      return work(manager);
    });
  }

  async saveConnection(manager: EntityManager, row: ConnectionRow & { credentials: EncryptedSecret }): Promise<void> {
    await execute(
      manager,
      `INSERT INTO connections (connection_id, tenant_id, member_id, kind, server_url, principal_url, home_url,
                                default_time_zone, credentials_key_id, credentials_sealed, status, unavailable_since)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'connected', NULL)
       ON CONFLICT (connection_id) DO UPDATE
         SET principal_url = excluded.principal_url, home_url = excluded.home_url, default_time_zone = excluded.default_time_zone,
             credentials_key_id = excluded.credentials_key_id, credentials_sealed = excluded.credentials_sealed,
             status = 'connected', unavailable_since = NULL, updated_at = now(), calendars_listed_at = now()`,
      [
        row.connectionId,
        row.tenantId,
        row.memberId,
        row.kind,
        row.serverUrl,
        row.principalUrl ?? null,
        row.homeUrl ?? null,
        row.defaultTimeZone,
        row.credentials.keyId,
        row.credentials.sealed,
      ],
    );
  }

  /** Makes the connection's calendars exactly `calendars` (by URL); roles are the caller's. */
  async replaceCalendars(
    manager: EntityManager,
    connection: ConnectionRow,
    calendars: CalendarUpsert[],
  ): Promise<void> {
    await execute(manager, `DELETE FROM calendars WHERE connection_id = $1 AND NOT (url = ANY($2))`, [
      connection.connectionId,
      calendars.map((c) => c.url),
    ]);
    // Demotions first, so the one-booking-calendar index holds at every statement.
    const ordered = [...calendars].sort((a, b) => Number(a.role === 'booking') - Number(b.role === 'booking'));
    for (const calendar of ordered) {
      await execute(
        manager,
        `INSERT INTO calendars (calendar_id, connection_id, tenant_id, member_id, url, name, time_zone, role, writable, ctag, sync_token)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (connection_id, url) DO UPDATE
           SET name = excluded.name, time_zone = excluded.time_zone, role = excluded.role, writable = excluded.writable`,
        [
          calendar.calendarId,
          connection.connectionId,
          connection.tenantId,
          connection.memberId,
          calendar.url,
          calendar.name,
          calendar.timeZone,
          calendar.role,
          calendar.writable,
          calendar.ctag ?? null,
          calendar.syncToken ?? null,
        ],
      );
    }
  }

  async setRoles(manager: EntityManager, changes: { calendarId: string; role: CalendarRole }[]): Promise<void> {
    const ordered = [...changes].sort((a, b) => Number(a.role === 'booking') - Number(b.role === 'booking'));
    for (const change of ordered) {
      await execute(manager, `UPDATE calendars SET role = $2, next_poll_at = now() WHERE calendar_id = $1`, [
        change.calendarId,
        change.role,
      ]);
    }
  }

  /** Forgets the credentials and the calendars; the row stays so the answer repeats. */
  async disconnect(connectionId: string): Promise<boolean> {
    return this.db.transaction(async (manager) => {
      const changed = await execute(
        manager,
        `UPDATE connections SET status = 'disconnected', credentials_key_id = NULL, credentials_sealed = NULL,
                unavailable_since = NULL, updated_at = now()
          WHERE connection_id = $1 AND status <> 'disconnected'`,
        [connectionId],
      );
      await execute(manager, `DELETE FROM calendars WHERE connection_id = $1`, [connectionId]);
      return changed > 0;
    });
  }

  /** True when this call made the change (so its caller tells the others). */
  async markUnavailable(connectionId: string): Promise<boolean> {
    const changed = await execute(
      this.db,
      `UPDATE connections SET unavailable_since = now() WHERE connection_id = $1 AND unavailable_since IS NULL AND status = 'connected'`,
      [connectionId],
    );
    return changed > 0;
  }

  async markAvailable(connectionId: string): Promise<boolean> {
    const changed = await execute(
      this.db,
      `UPDATE connections SET unavailable_since = NULL WHERE connection_id = $1 AND unavailable_since IS NOT NULL`,
      [connectionId],
    );
    return changed > 0;
  }

  async markNeedsReauth(connectionId: string): Promise<boolean> {
    const changed = await execute(
      this.db,
      `UPDATE connections SET status = 'needs_reauth', updated_at = now() WHERE connection_id = $1 AND status = 'connected'`,
      [connectionId],
    );
    return changed > 0;
  }

  /**
   * Claims the calendars due for a poll (shared by all instances: each calendar goes to one) and
   * sets their next poll; a crashed instance's claim simply lapses into the next one.
   */
  async claimDue(limit: number, pollSeconds: number): Promise<ConnectedCalendar[]> {
    const rows = await query<CalendarColumns & ConnectionColumns>(
      this.db,
      `WITH due AS (
         SELECT c.calendar_id FROM calendars c JOIN connections k ON k.connection_id = c.connection_id
          WHERE c.next_poll_at <= now() AND c.role <> 'ignored' AND k.status = 'connected'
          ORDER BY c.next_poll_at LIMIT $1 FOR UPDATE OF c SKIP LOCKED)
       UPDATE calendars c SET next_poll_at = now() + make_interval(secs => $2)
         FROM due, connections k
        WHERE c.calendar_id = due.calendar_id AND k.connection_id = c.connection_id
       RETURNING ${CALENDAR_COLUMNS}, ${CONNECTION_COLUMNS}`,
      [limit, pollSeconds],
    );
    return rows.map(connected);
  }

  /**
   * Connected connections whose calendar list was read `everySeconds` ago or longer, marked as
   * read now: each goes to one instance, and comes round again after `everySeconds`.
   */
  async claimListDue(limit: number, everySeconds: number): Promise<ConnectionRow[]> {
    const rows = await query<ConnectionColumns>(
      this.db,
      `UPDATE connections k SET calendars_listed_at = now()
        WHERE k.connection_id IN (SELECT connection_id FROM connections
                                   WHERE status = 'connected' AND calendars_listed_at <= now() - make_interval(secs => $2)
                                   ORDER BY calendars_listed_at LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING ${CONNECTION_COLUMNS}`,
      [limit, everySeconds],
    );
    return rows.map(toConnection);
  }

  async setReadRefusal(calendarId: string, reason: RefusalReason | undefined): Promise<void> {
    await execute(this.db, `UPDATE calendars SET read_refusal = $2 WHERE calendar_id = $1`, [
      calendarId,
      reason ?? null,
    ]);
  }

  async saveMarkers(
    calendarId: string,
    markers: { ctag?: string; syncToken?: string; markersAt: Date },
  ): Promise<void> {
    await execute(this.db, `UPDATE calendars SET ctag = $2, sync_token = $3, markers_at = $4 WHERE calendar_id = $1`, [
      calendarId,
      markers.ctag ?? null,
      markers.syncToken ?? null,
      markers.markersAt,
    ]);
  }

  /** Runs `work` in a transaction holding the calendar's lock (or, with `tryOnly`, not at all when it is held). */
  async forCalendar<T>(
    calendarId: string,
    work: () => Promise<T>,
    options: { tryOnly?: boolean } = {},
  ): Promise<{ ran: true; value: T } | { ran: false }> {
    return this.db.transaction(async (manager) => {
      const key = `connector-caldav:calendar:${calendarId}`;
      if (options.tryOnly) {
        const [{ locked }] = await query<{ locked: boolean }>(
          manager,
          'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked',
          [key],
        );
        if (!locked) return { ran: false as const };
      } else {
        await execute(manager, 'SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
      }
      return { ran: true as const, value: await work() };
    });
  }
}

function toConnection(row: ConnectionColumns): ConnectionRow {
  return {
    connectionId: row.connection_id,
    tenantId: row.tenant_id,
    memberId: row.member_id,
    kind: row.kind,
    serverUrl: row.server_url,
    principalUrl: row.principal_url ?? undefined,
    homeUrl: row.home_url ?? undefined,
    defaultTimeZone: row.default_time_zone,
    credentials:
      row.credentials_key_id && row.credentials_sealed
        ? { keyId: row.credentials_key_id, sealed: row.credentials_sealed }
        : undefined,
    status: row.status,
    unavailableSince: row.unavailable_since ?? undefined,
  };
}

function toCalendar(row: CalendarColumns): CalendarRow {
  return {
    calendarId: row.calendar_id,
    connectionId: row.connection_id,
    tenantId: row.tenant_id,
    memberId: row.member_id,
    url: row.url,
    name: row.name,
    timeZone: row.time_zone,
    role: parseRole(row.role),
    writable: row.writable,
    ctag: row.ctag ?? undefined,
    syncToken: row.sync_token ?? undefined,
    markersAt: row.markers_at,
    readRefusal: REFUSAL_REASONS.find((reason) => reason === row.read_refusal),
  };
}

/** A calendar and its connection, read in one row. */
function connected(row: CalendarColumns & ConnectionColumns): ConnectedCalendar {
  return { ...toCalendar(row), connection: toConnection(row) };
}
