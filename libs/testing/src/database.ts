import { randomBytes } from 'node:crypto';
import { PostgreSqlContainer } from '@testcontainers/postgresql';
import { Client, type QueryResultRow } from 'pg';
import { containerRuntimeAnswers } from './container-runtime';

export interface TestDatabase {
  url: string;
  /**
   * The rows of one statement, on a connection of its own (to look at what services stored),
   * typed as the caller expects them (pg's text, numbers, booleans, Dates and JSON).
   */
  query<Row extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Every row of every table of every schema as text, bytes read as UTF-8: for privacy checks. */
  dump(): Promise<string>;
  /** Terminates the database's connections and drops it. */
  drop(): Promise<void>;
}

/**
 * A fresh, empty database (btree_gist available, not installed: migrations install it)
 * on the server of DATABASE_URL, else in a Postgres container, else a clear error.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = await testServerUrl();
  const name = `calldesk_t_${randomBytes(6).toString('hex')}`;
  await withClient(serverUrl, async (client) => {
    await client.query(`CREATE DATABASE ${name}`);
    const { rowCount } = await client.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'btree_gist'`);
    if (!rowCount) {
      await client.query(`DROP DATABASE ${name}`);
      throw new Error('btree_gist is not available on the test Postgres server: install its contrib package');
    }
  });
  const url = databaseUrl(serverUrl, name);
  const query = <Row extends object = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
    withClient(url, async (client) => (await client.query<Row & QueryResultRow>(sql, params)).rows as Row[]);
  return {
    url,
    query,
    dump: async () => {
      const tables = await query(
        `SELECT table_schema, table_name FROM information_schema.tables
          WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
      );
      const parts: string[] = [];
      for (const { table_schema: schema, table_name: table } of tables) {
        const rows = await query(`SELECT * FROM "${schema}"."${table}"`);
        parts.push(
          `${schema}.${table} ${JSON.stringify(rows, (_key, value) => (value?.type === 'Buffer' ? Buffer.from(value.data).toString('utf8') : value))}`,
        );
      }
      return parts.join('\n');
    },
    drop: () =>
      withClient(serverUrl, async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }),
  };
}

let sharedServerUrl: Promise<string> | undefined;

function testServerUrl(): Promise<string> {
  sharedServerUrl ??= resolveServerUrl();
  return sharedServerUrl;
}

async function resolveServerUrl(): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  if (!(await containerRuntimeAnswers())) {
    throw new Error('Set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) or start a container runtime');
  }
  const container = await new PostgreSqlContainer('postgres:15').start();
  return container.getConnectionUri();
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
