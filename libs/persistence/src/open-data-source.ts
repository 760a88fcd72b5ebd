import { DataSource, type DataSourceOptions as TypeormOptions } from 'typeorm';

/** What TypeORM takes as migrations and as entities: classes, schemas or paths. */
export type Migrations = NonNullable<TypeormOptions['migrations']>;
export type Entities = NonNullable<TypeormOptions['entities']>;

export interface DataSourceOptions {
  url: string;
  /** The service's own schema: its tables live here and nowhere else. */
  schema: string;
  migrations: Migrations;
  entities?: Entities;
  /** Shown in pg_stat_activity, so a DBA can tell the services apart. */
  applicationName: string;
  poolSize?: number;
}

/**
 * Connects to Postgres on the service's schema, creates the schema and runs the checked-in
 * migrations. Instances starting together take turns through an advisory lock, so a migration
 * runs once. Unqualified names resolve to the service's schema first, then `public` (where
 * extensions such as btree_gist live).
 */
export async function openDataSource(options: DataSourceOptions): Promise<DataSource> {
  if (!/^[a-z_][a-z0-9_]*$/.test(options.schema)) throw new Error(`invalid schema name ${options.schema}`);
  const dataSource = new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    entities: options.entities ?? [],
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    applicationName: options.applicationName,
    extra: { max: options.poolSize ?? 10, options: `-c search_path=${options.schema},public` },
  });
  await dataSource.initialize();
  try {
    await migrate(dataSource, options.schema);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

async function migrate(dataSource: DataSource, schema: string): Promise<void> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`calldesk:migrate:${schema}`]);
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await dataSource.runMigrations();
  } finally {
    await runner
      .query('SELECT pg_advisory_unlock(hashtext($1))', [`calldesk:migrate:${schema}`])
      .catch(() => undefined);
    await runner.release();
  }
}
