import { CreateConnectorMicrosoft1796200000000 } from './1796200000000-CreateConnectorMicrosoft';

export const migrations = [CreateConnectorMicrosoft1796200000000];
