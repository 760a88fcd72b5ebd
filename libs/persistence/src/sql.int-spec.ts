import { createTestDatabase, type TestDatabase } from '@calldesk/testing';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { openDataSource } from './open-data-source';
import { execute, query, queryOne } from './sql';

class CreateNotes1700000000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)`);
  }
  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE notes');
  }
}

interface Note {
  id: number;
  body: string;
}

describe('query, queryOne and execute (real Postgres)', () => {
  let database: TestDatabase;
  let db: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openDataSource({
      url: database.url,
      schema: 'notes_service',
      migrations: [CreateNotes1700000000000],
      applicationName: 'sql-test',
    });
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('answers the rows of every kind of statement as rows, UPDATE and DELETE included', async () => {
    expect(await query<Note>(db, `INSERT INTO notes (id, body) VALUES (1, 'a'), (2, 'b') RETURNING id, body`)).toEqual([
      { id: 1, body: 'a' },
      { id: 2, body: 'b' },
    ]);
    expect(await query<Note>(db, `SELECT id, body FROM notes WHERE id > $1 ORDER BY id`, [0])).toHaveLength(2);
    expect(await query<Note>(db, `UPDATE notes SET body = 'c' WHERE id = $1 RETURNING id, body`, [1])).toEqual([
      { id: 1, body: 'c' },
    ]);
    expect(await query<Pick<Note, 'id'>>(db, `DELETE FROM notes WHERE id = $1 RETURNING id`, [2])).toEqual([{ id: 2 }]);
    expect(await queryOne<Note>(db, `SELECT id, body FROM notes WHERE id = $1`, [2])).toBeUndefined();
  });

  it('counts what a statement changed, in a transaction too', async () => {
    expect(await execute(db, `INSERT INTO notes (id, body) VALUES (10, 'x'), (11, 'y')`)).toBe(2);
    expect(await execute(db, `UPDATE notes SET body = 'z' WHERE id >= $1`, [10])).toBe(2);
    await db.transaction(async (tx) => {
      expect(await execute(tx, `DELETE FROM notes WHERE id = $1`, [10])).toBe(1);
      expect(await queryOne<Note>(tx, `SELECT id, body FROM notes WHERE id = $1 FOR UPDATE`, [11])).toEqual({
        id: 11,
        body: 'z',
      });
    });
    expect(await execute(db, `DELETE FROM notes WHERE id = $1`, [10])).toBe(0);
  });
});
