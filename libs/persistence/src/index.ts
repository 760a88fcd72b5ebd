export { openDataSource, type DataSourceOptions, type Entities, type Migrations } from './open-data-source';
export { execute, query, queryOne, type Db } from './sql';
export { databaseUnavailable } from './database-unavailable';
