import { Client } from 'pg';
import { createTestDatabase } from './database';

describe('createTestDatabase', () => {
  it('creates an empty database where btree_gist can be installed, and drops it', async () => {
    const database = await createTestDatabase();
    const client = new Client({ connectionString: database.url });
    client.on('error', () => undefined);
    await client.connect();

    const { rows } = await client.query<{ name: string }>('SELECT current_database() AS name');
    await client.query('CREATE EXTENSION IF NOT EXISTS btree_gist');
    const { rows: installed } = await client.query(`SELECT 1 FROM pg_extension WHERE extname = 'btree_gist'`);
    // drop() must cope with sessions that are still open.
    await database.drop();
    await client.end().catch(() => undefined);

    expect(rows[0].name).toMatch(/^calldesk_t_[0-9a-f]{12}$/);
    expect(installed).toHaveLength(1);
    expect(await databaseExists(rows[0].name)).toBe(false);
  });

  it('gives every call its own database', async () => {
    const [first, second] = await Promise.all([createTestDatabase(), createTestDatabase()]);

    await Promise.all([first.drop(), second.drop()]);

    expect(first.url).not.toBe(second.url);
  });
});

async function databaseExists(name: string): Promise<boolean> {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return rowCount === 1;
  } finally {
    await client.end();
  }
}
