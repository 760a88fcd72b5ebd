export { openDataSource, type DataSourceOptions } from './open-data-source';
