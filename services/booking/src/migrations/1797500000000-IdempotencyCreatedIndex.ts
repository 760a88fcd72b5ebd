import type { MigrationInterface, QueryRunner } from 'typeorm';

export class IdempotencyCreatedIndex1797500000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    // The retention purge takes the oldest records first.
    await db.query(`CREATE INDEX idempotency_created ON idempotency (created_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX idempotency_created');
  }
}
