import type { MigrationInterface, QueryRunner } from 'typeorm';

export class RecentBookingsIndex1764500000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    // Every create reads the tenant's bookings of the last moments (see RecentBookings).
    await db.query(`CREATE INDEX bookings_tenant_created ON bookings (tenant_id, created_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX bookings_tenant_created');
  }
}
