export { openDataSource, type DataSourceOptions } from './open-data-source';
export { execute, query, queryOne, type Db } from './sql';
