export { openDataSource, type DataSourceOptions } from './open-data-source';
export { databaseUnavailable } from './database-unavailable';
