import ICAL from 'ical.js';
import { DateTime, IANAZone } from 'luxon';
import { WINDOWS_TO_IANA_MAP } from 'windows-iana';

/**
 * The IANA zone a TZID names, if it names one we know: an IANA name, a Windows name ("Pacific
 * Standard Time", as Outlook and Exchange write them), either wrapped in stray quotes or slashes, a
 * vendor prefix ("/mozilla.org/20050126_1/America/New_York"), or a Windows display name ("(UTC-08:00)
 * Pacific Time (US & Canada)"). Such a zone is read from the zone database, whatever VTIMEZONE the
 * object carries: those are often cut to a few years or to today's rules.
 */
export function ianaZoneOf(tzid: string): string | undefined {
  const bare = tzid.trim().replace(/^["'\s/]+|["'\s]+$/g, '');
  return ianaSuffix(bare) ?? windowsZone(bare) ?? windowsZone(standardNameOf(bare));
}

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

/** The longest tail of a slash-separated name that is an IANA name: vendors prefix their own path. */
function ianaSuffix(name: string): string | undefined {
  const parts = name.split('/');
  for (let first = 0; first < parts.length; first++) {
    const candidate = parts.slice(first).join('/');
    if (candidate && IANAZone.isValidZone(candidate)) return candidate;
  }
  return undefined;
}

/** The zone a Windows zone name stands for in CLDR's mapping (its "001" territory comes first), in any letter case. */
function windowsZone(name: string): string | undefined {
  return WINDOWS_ZONES.get(name.toLowerCase());
}

const WINDOWS_ZONES = new Map<string, string>();
for (const { windowsName, iana } of WINDOWS_TO_IANA_MAP) {
  const key = windowsName.toLowerCase();
  const known = iana.find((zone) => IANAZone.isValidZone(zone));
  if (!WINDOWS_ZONES.has(key) && known) WINDOWS_ZONES.set(key, known);
}

/**
 * The Windows zone name behind a display name, where it shows: "(UTC-08:00) Pacific Time (US &
 * Canada)" is "Pacific Standard Time". Display names that list cities are left to the object's
 * own VTIMEZONE.
 */
function standardNameOf(displayName: string): string {
  return displayName
    .replace(/^\((?:UTC|GMT)[^)]*\)\s*/i, '')
    .replace(/\s*\([^)]*\)$/, '')
    .replace(/ Time$/i, ' Standard Time');
}
