import ICAL from 'ical.js';
import { DateTime } from 'luxon';

/** The zone database's zone, as ical.js asks for it, one instance per IANA name. */
export function ianaTimezone(zoneName: string): ICAL.Timezone {
  let zone = IANA_TIMEZONES.get(zoneName);
  if (!zone) {
    zone = new IanaTimezone(zoneName);
    IANA_TIMEZONES.set(zoneName, zone);
  }
  return zone;
}

/**
 * An IANA zone as ical.js sees a time zone: it asks only for the UTC offset of a local time, and
 * the zone database answers.
 */
class IanaTimezone extends ICAL.Timezone {
  constructor(readonly zoneName: string) {
    super({ tzid: zoneName });
  }

  override utcOffset(time: ICAL.Time): number {
    const local = DateTime.fromObject(
      { year: time.year, month: time.month, day: time.day, hour: time.hour, minute: time.minute, second: time.second },
      { zone: this.zoneName },
    );
    return local.offset * 60;
  }
}

const IANA_TIMEZONES = new Map<string, ICAL.Timezone>();
