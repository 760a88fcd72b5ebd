import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  CalendarInfo_Role,
  Connection_Status,
  type CalendarInfoSchema,
  type ConnectionSchema,
} from '@calldesk/contracts';
import type { CalendarRow, ConnectionRow } from './connection-store';

/** A calendar as its owner sees it; its warnings name why its last busy read was refused, if it was. */
export function calendarInfo(calendar: CalendarRow): MessageInitShape<typeof CalendarInfoSchema> {
  return {
    calendarId: calendar.calendarId,
    name: calendar.name,
    timeZone: calendar.timeZone,
    role: CalendarInfo_Role[calendar.role],
    writable: calendar.writable,
    warnings: calendar.readRefusal ? [calendar.readRefusal] : [],
  };
}

/** Our connections answer as provider `caldav` (iCloud ones too): that is whom availability asks. */
export function connectionMessage(
  connection: ConnectionRow,
  calendars: CalendarRow[],
): MessageInitShape<typeof ConnectionSchema> {
  return {
    id: connection.connectionId,
    provider: 'caldav',
    status: Connection_Status[connection.status],
    calendars: calendars.map(calendarInfo),
    memberId: connection.memberId,
  };
}
