import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Init1764400000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    // One row per message we owe someone; the key makes a redelivered event send nothing twice.
    // No message text is kept: only who, how and whether it went.
    await db.query(`
      CREATE TABLE deliveries (
        key text PRIMARY KEY,
        tenant_id text NOT NULL,
        booking_id text,
        channel text NOT NULL,
        recipient_kind text NOT NULL,
        status text NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
        provider_message_id text,
        error text,
        attempts int NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX deliveries_booking ON deliveries (tenant_id, booking_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE deliveries');
  }
}
