import { createTestDatabase, type TestDatabase } from '@calldesk/testing';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { openDataSource } from './open-data-source';

class CreateThings1700000000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    // Fails if run twice: the advisory lock must make two starting instances take turns.
    await db.query('CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public');
    await db.query(`CREATE TABLE things (room int NOT NULL, during tstzrange NOT NULL,
      EXCLUDE USING gist (room WITH =, during WITH &&))`);
  }
  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE things');
  }
}

describe('openDataSource (real Postgres)', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.drop());

  it('creates the schema and runs each migration once, even when instances start together', async () => {
    const open = () =>
      openDataSource({
        url: database.url,
        schema: 'things_service',
        migrations: [CreateThings1700000000000],
        applicationName: 'test',
      });
    const instances = await Promise.all([open(), open(), open()]);
    try {
      const [{ count }] = await instances[0].query(`SELECT count(*)::int AS count FROM things_service.migrations`);
      expect(count).toBe(1);
      // Unqualified names resolve to the service's schema; btree_gist backs the exclusion constraint.
      await instances[1].query(
        `INSERT INTO things (room, during) VALUES (1, tstzrange(now(), now() + interval '1 hour'))`,
      );
      await expect(
        instances[2].query(
          `INSERT INTO things (room, during) VALUES (1, tstzrange(now(), now() + interval '2 hours'))`,
        ),
      ).rejects.toMatchObject({ driverError: { code: '23P01' } });
    } finally {
      await Promise.all(instances.map((instance) => instance.destroy()));
    }
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(
      openDataSource({ url: database.url, schema: 'x"; DROP TABLE y; --', migrations: [], applicationName: 'test' }),
    ).rejects.toThrow(/invalid schema name/);
  });
});
