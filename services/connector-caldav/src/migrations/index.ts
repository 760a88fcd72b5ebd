import { CreateConnectorCaldav1795800000000 } from './1795800000000-CreateConnectorCaldav';

export const migrations = [CreateConnectorCaldav1795800000000];
