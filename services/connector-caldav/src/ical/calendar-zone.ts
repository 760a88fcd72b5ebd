import { ianaZoneOf } from '@calldesk/connector-kit';

/**
 * The IANA zone a calendar's `calendar-timezone` (a VCALENDAR with one VTIMEZONE) names, when it
 * names one we know; floating times and all-day events of the calendar are in this zone.
 */
export function zoneOfCalendarTimezone(vtimezone: string | undefined): string | undefined {
  return ianaZoneOf(vtimezone?.match(/^TZID[^:]*:(.+)$/m)?.[1]);
}
