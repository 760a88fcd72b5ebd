import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';

const ROOT = resolve(__dirname, '../../..');
/** `<receiver>.query(` or `<receiver>.query<`, the receiver being the last name before it. */
const QUERY_CALL = /([A-Za-z_$][\w$]*)\s*\.query\s*[(<]/g;
/**
 * Receivers whose query() is not TypeORM's DataSource or EntityManager: libs/persistence's own
 * QueryRunner, pg's Client, a test database, a class's own typed method, Google's freeBusy (the
 * API and the name of its span).
 */
const NOT_TYPEORM = new Set(['runner', 'queryRunner', 'client', 'database', 'this', 'freebusy', 'freeBusy']);

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(path))
    .filter((path) => !path.split(sep).some((part) => ['node_modules', 'gen', 'migrations'].includes(part)))
    .map((path) => join(dir, path));
}

/**
 * DataSource.query() and EntityManager.query() answer `any` (and UPDATE and DELETE as
 * [rows, count]): statements go through libs/persistence's query<Row>, queryOne<Row> and execute,
 * whose rows are typed and read the same way whatever the statement.
 */
describe('queries through TypeORM', () => {
  it('are made through libs/persistence, never DataSource.query or EntityManager.query', () => {
    const files = [...sources('services'), ...sources('libs'), ...sources('scripts')];
    expect(files.length).toBeGreaterThan(200);
    const untyped = files.flatMap((file) =>
      [...readFileSync(join(ROOT, file), 'utf8').matchAll(QUERY_CALL)]
        .filter(
          (match) =>
            !NOT_TYPEORM.has(match[1]) && !file.endsWith(join('connector-kit', 'src', 'oauth', 'connector-tables.ts')),
        )
        .map((match) => `${file}: ${match[0]}`),
    );
    expect(untyped).toEqual([]);
  });
});
