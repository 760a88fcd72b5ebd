import { IANAZone } from 'luxon';

/**
 * The IANA zone a calendar's `calendar-timezone` (a VCALENDAR with one VTIMEZONE) names, when it
 * names one we know; floating times and all-day events of the calendar are in this zone.
 */
export function zoneOfCalendarTimezone(vtimezone: string | undefined): string | undefined {
  const tzid = vtimezone?.match(/^TZID[^:]*:(.+)$/m)?.[1]?.trim().replace(/^\/+/, '');
  return tzid && IANAZone.isValidZone(tzid) ? tzid : undefined;
}
