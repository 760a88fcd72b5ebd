import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ApiKeys1764600000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    // Only a hash of each key is kept: a key is shown once, when it is made.
    await db.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id text NOT NULL,
        name text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE api_keys');
  }
}
