import { CreateConnectorMicrosoft1796200000000 } from './1796200000000-CreateConnectorMicrosoft';
import { CalendarsListedAt1796400000000 } from './1796400000000-CalendarsListedAt';
import { OAuthStates1796600000000 } from './1796600000000-OAuthStates';
import { ViewSync1797000000000 } from './1797000000000-ViewSync';

export const migrations = [
  CreateConnectorMicrosoft1796200000000,
  CalendarsListedAt1796400000000,
  OAuthStates1796600000000,
  ViewSync1797000000000,
];
