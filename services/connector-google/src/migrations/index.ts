import { CreateConnectorGoogle1796100000000 } from './1796100000000-CreateConnectorGoogle';
import { CalendarsListedAt1796300000000 } from './1796300000000-CalendarsListedAt';
import { OAuthStates1796500000000 } from './1796500000000-OAuthStates';

export const migrations = [
  CreateConnectorGoogle1796100000000,
  CalendarsListedAt1796300000000,
  OAuthStates1796500000000,
];
