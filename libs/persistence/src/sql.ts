import { DataSource, type EntityManager, type QueryResult } from 'typeorm';

/** Where a statement runs: the service's pool, or the manager of a transaction in progress. */
export type Db = DataSource | EntityManager;

/**
 * The rows a statement answers, typed as the caller's row: a SELECT's, or what an INSERT, UPDATE
 * or DELETE returns with RETURNING. (TypeORM's own query() answers UPDATE and DELETE as
 * [rows, count] and everything else as rows, typed `any` either way.)
 */
export async function query<Row>(db: Db, sql: string, params: unknown[] = []): Promise<Row[]> {
  return (await run(db, sql, params)).records as Row[];
}

/** The first row a statement answers, or undefined when there is none. */
export async function queryOne<Row>(db: Db, sql: string, params: unknown[] = []): Promise<Row | undefined> {
  return (await query<Row>(db, sql, params))[0];
}

/** Runs a statement for what it does: answers how many rows it inserted, changed or deleted. */
export async function execute(db: Db, sql: string, params: unknown[] = []): Promise<number> {
  return (await run(db, sql, params)).affected ?? 0;
}

async function run(db: Db, sql: string, params: unknown[]): Promise<QueryResult> {
  if (db instanceof DataSource) {
    const runner = db.createQueryRunner();
    try {
      return await runner.query(sql, params, true);
    } finally {
      await runner.release();
    }
  }
  return db.queryRunner ? db.queryRunner.query(sql, params, true) : run(db.connection, sql, params);
}
