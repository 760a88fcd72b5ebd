import { isKnownZone } from '@calldesk/scheduling';
import { WINDOWS_TO_IANA_MAP } from 'windows-iana';

/**
 * The IANA zone a provider's zone name stands for, if it names one we know: an IANA name, a
 * Windows name ("Pacific Standard Time", as Outlook, Exchange and Graph's mailbox settings write
 * them), either wrapped in stray quotes or slashes, a vendor prefix
 * ("/mozilla.org/20050126_1/America/New_York"), or a Windows display name ("(UTC-08:00) Pacific
 * Time (US & Canada)"). CalDAV reads such a TZID from the zone database, whatever VTIMEZONE the
 * object carries: those are often cut to a few years or to today's rules.
 */
export function ianaZoneOf(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const bare = name.trim().replace(/^["'\s/]+|["'\s]+$/g, '');
  return ianaSuffix(bare) ?? windowsZone(bare) ?? windowsZone(standardNameOf(bare));
}

/** The longest tail of a slash-separated name that is an IANA name: vendors prefix their own path. */
function ianaSuffix(name: string): string | undefined {
  const parts = name.split('/');
  for (let first = 0; first < parts.length; first++) {
    const candidate = parts.slice(first).join('/');
    if (candidate && isKnownZone(candidate)) return candidate;
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
  const known = iana.find((zone) => isKnownZone(zone));
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
