import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Init1764100000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    // A member's hours, rules and blocked times, as validated and normalized by the scheduling core.
    await db.query(`
      CREATE TABLE profiles (
        tenant_id text NOT NULL,
        member_id text NOT NULL,
        profile jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, member_id)
      )`);
    // Live bookings by member, projected from booking events: they block by their held spans.
    await db.query(`
      CREATE TABLE booked_spans (
        booking_id text PRIMARY KEY,
        tenant_id text NOT NULL,
        member_id text NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        live boolean NOT NULL,
        version timestamptz NOT NULL
      )`);
    await db.query(`CREATE INDEX booked_spans_member ON booked_spans (tenant_id, member_id, starts_at) WHERE live`);
    // Which connectors hold a member's calendars, projected from connection.status events.
    await db.query(`
      CREATE TABLE member_connections (
        connection_id text PRIMARY KEY,
        tenant_id text NOT NULL,
        member_id text NOT NULL,
        provider text NOT NULL,
        status text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX member_connections_member ON member_connections (tenant_id, member_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE member_connections');
    await db.query('DROP TABLE booked_spans');
    await db.query('DROP TABLE profiles');
  }
}
