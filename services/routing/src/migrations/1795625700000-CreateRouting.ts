import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateRouting1795625700000 implements MigrationInterface {
  name = 'CreateRouting1795625700000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        time_zone text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // time_zone and notify_by NULL: follow the tenant's zone and the contact details.
    await runner.query(`
      CREATE TABLE members (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        name text NOT NULL,
        time_zone text,
        email text,
        phone text,
        notify_by text CHECK (notify_by IN ('sms', 'email', 'none')),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, id)
      )`);
    await runner.query(`
      CREATE TABLE services (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        name text NOT NULL,
        duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 1 AND 1440),
        strategy text NOT NULL CHECK (strategy IN ('round_robin', 'specific')),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, id)
      )`);
    // The composite keys make a member of another tenant impossible in a service.
    await runner.query(`
      CREATE TABLE service_members (
        tenant_id uuid NOT NULL,
        service_id uuid NOT NULL,
        member_id uuid NOT NULL,
        position integer NOT NULL,
        weight double precision CHECK (weight > 0 AND weight <= 100),
        PRIMARY KEY (service_id, member_id),
        UNIQUE (service_id, position),
        FOREIGN KEY (tenant_id, service_id) REFERENCES services (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id)
      )`);
    await runner.query(`CREATE INDEX service_members_member ON service_members (member_id)`);
    // Ids as text: the ledger keeps whatever the booking events say and never fails on them.
    await runner.query(`
      CREATE TABLE booking_ledger (
        booking_id text PRIMARY KEY,
        tenant_id text NOT NULL,
        member_id text NOT NULL,
        service_id text NOT NULL,
        status text NOT NULL,
        booked_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await runner.query(`
      CREATE INDEX booking_ledger_live ON booking_ledger (tenant_id, member_id, booked_at)
      WHERE status = 'confirmed'`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE booking_ledger, service_members, services, members, tenants`);
  }
}
