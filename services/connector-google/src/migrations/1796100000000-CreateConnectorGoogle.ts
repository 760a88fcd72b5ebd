import { createBookingEventsTable, createCalendarsTable, createConnectionsTable } from '@calldesk/connector-kit';
import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateConnectorGoogle1796100000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    // A member's Google account. Tokens are sealed (AES-256-GCM, bound to the id), never in clear.
    await createConnectionsTable(db);
    // The account's calendars: names and zones (no event content), their role and sync state.
    await createCalendarsTable(db);
    // Push channels; the token is kept as its SHA-256 only.
    await db.query(`
      CREATE TABLE channels (
        id text PRIMARY KEY,
        calendar_id text NOT NULL REFERENCES calendars (id) ON DELETE CASCADE,
        token_sha256 bytea NOT NULL,
        resource_id text,
        expires_at timestamptz,
        state text NOT NULL CHECK (state IN ('opening', 'open')),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX channels_calendar ON channels (calendar_id)`);
    await createBookingEventsTable(db);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE booking_events');
    await db.query('DROP TABLE channels');
    await db.query('DROP TABLE calendars');
    await db.query('DROP TABLE connections');
  }
}
