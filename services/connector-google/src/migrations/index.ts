import { CreateConnectorGoogle1796100000000 } from './1796100000000-CreateConnectorGoogle';

export const migrations = [CreateConnectorGoogle1796100000000];
