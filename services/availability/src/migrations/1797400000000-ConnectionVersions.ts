import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ConnectionVersions1797400000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    // When the stream stored the event a row came from (µs): an older event never overwrites a
    // newer one, nor a rebuild from the connectors. Rows from before it have none and give way.
    await db.query(`ALTER TABLE member_connections ADD COLUMN version bigint`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE member_connections DROP COLUMN version`);
  }
}
