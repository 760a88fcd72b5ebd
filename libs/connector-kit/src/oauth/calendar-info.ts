import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  CalendarInfo_Role,
  Connection_Status,
  type CalendarInfoSchema,
  type ConnectionSchema,
} from '@calldesk/contracts';
import { IANAZone } from 'luxon';
import type { OAuthCalendar } from './calendar.store';
import type { OAuthConnection } from './connection.store';

/** A calendar as the admin API shows it, with a warning when its zone is not the member's. */
export function calendarInfo(
  calendar: OAuthCalendar,
  memberTimeZone?: string,
): MessageInitShape<typeof CalendarInfoSchema> {
  return {
    calendarId: calendar.id,
    name: calendar.name,
    timeZone: calendar.timeZone,
    role: CalendarInfo_Role[calendar.role],
    writable: calendar.writable,
    warnings: memberTimeZone && !sameZone(calendar.timeZone, memberTimeZone) ? ['time_zone_differs'] : [],
  };
}

export function connectionInfo(
  provider: string,
  connection: OAuthConnection,
  calendars: OAuthCalendar[],
  memberTimeZone?: string,
): MessageInitShape<typeof ConnectionSchema> {
  return {
    id: connection.id,
    provider,
    status: Connection_Status[connection.status],
    memberId: connection.memberId,
    calendars: calendars.map((c) => calendarInfo(c, memberTimeZone)),
  };
}

/** Two names of one zone (e.g. US/Eastern and America/New_York) count as the same. */
function sameZone(a: string, b: string): boolean {
  if (a === b) return true;
  const za = IANAZone.create(a);
  const zb = IANAZone.create(b);
  if (!za.isValid || !zb.isValid) return false;
  // Same offsets across a year's transitions: the same rules for our purposes.
  const year = new Date().getUTCFullYear();
  return [0, 2, 4, 6, 8, 10].every((month) => {
    const at = Date.UTC(year, month, 15);
    return za.offset(at) === zb.offset(at);
  });
}
