import { CreateConnectorMicrosoft1796200000000 } from './1796200000000-CreateConnectorMicrosoft';
import { CalendarsListedAt1796400000000 } from './1796400000000-CalendarsListedAt';

export const migrations = [CreateConnectorMicrosoft1796200000000, CalendarsListedAt1796400000000];
