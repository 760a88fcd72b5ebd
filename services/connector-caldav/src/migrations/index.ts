import { CreateConnectorCaldav1795800000000 } from './1795800000000-CreateConnectorCaldav';
import { CalendarsListedAt1796500000000 } from './1796500000000-CalendarsListedAt';
import { CalendarReadRefusal1796900000000 } from './1796900000000-CalendarReadRefusal';

export const migrations = [
  CreateConnectorCaldav1795800000000,
  CalendarsListedAt1796500000000,
  CalendarReadRefusal1796900000000,
];
