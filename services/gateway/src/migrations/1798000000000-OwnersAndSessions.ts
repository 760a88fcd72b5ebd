import type { MigrationInterface, QueryRunner } from 'typeorm';

export class OwnersAndSessions1798000000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    // One tenant per owner account: signing in needs no choice of business.
    await db.query(`
      CREATE TABLE owners (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id text NOT NULL,
        email text NOT NULL UNIQUE,
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Only a hash of each session token is kept, like API keys: a copy of the table signs nobody in.
    await db.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token_hash text NOT NULL UNIQUE,
        owner_id uuid NOT NULL REFERENCES owners (id) ON DELETE CASCADE,
        tenant_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz
      )`);
    await db.query('CREATE INDEX sessions_expires_at ON sessions (expires_at)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE sessions');
    await db.query('DROP TABLE owners');
  }
}
