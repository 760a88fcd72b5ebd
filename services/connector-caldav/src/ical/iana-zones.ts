import ICAL from 'ical.js';
import { DateTime, IANAZone } from 'luxon';

/**
 * An IANA zone as ical.js sees a time zone (it asks only for the UTC offset of a local time), for
 * TZIDs that objects use without a VTIMEZONE of their own: the zone database answers instead.
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

/**
 * Makes the TZIDs an object refers to without defining them known to ical.js, where they are IANA
 * names. Shared by all parses: an IANA name means the same zone everywhere.
 */
export function ensureZonesKnown(tzids: Iterable<string>, defined: ReadonlySet<string>): void {
  for (const tzid of tzids) {
    if (defined.has(tzid) || ICAL.TimezoneService.has(tzid) || !IANAZone.isValidZone(tzid)) continue;
    ICAL.TimezoneService.register(new IanaTimezone(tzid), tzid);
  }
}
