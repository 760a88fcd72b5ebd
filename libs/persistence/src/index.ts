export { openDataSource, type DataSourceOptions, type Entities, type Migrations } from './open-data-source';
