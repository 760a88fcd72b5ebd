import ICAL from 'ical.js';
import { wallClockOf, type WallClock } from './wall-clock';

/**
 * The zone an object defines in a VTIMEZONE, for a TZID that names no zone we know (see
 * ianaZoneOf). ical.js reads such a definition with two faults, corrected here: before the first
 * change it knows of it answers offset 0, where the offset in force is the TZOFFSETFROM of that
 * first change; and of an RDATE listing several changes it reads only the first, so each is given
 * a line of its own. Expanding a definition's rules costs tens of milliseconds and clients put the
 * same VTIMEZONE in every object: a definition seen before is reused.
 */
export function definedTimezone(vtimezone: ICAL.Component): ICAL.Timezone {
  const key = vtimezone.toString();
  let zone = DEFINED_ZONES.get(key);
  if (!zone) {
    zone = new DefinedTimezone(vtimezone);
    if (DEFINED_ZONES.size >= MAX_DEFINED_ZONES) DEFINED_ZONES.delete(DEFINED_ZONES.keys().next().value!);
    DEFINED_ZONES.set(key, zone);
  }
  return zone;
}

const DEFINED_ZONES = new Map<string, ICAL.Timezone>();
const MAX_DEFINED_ZONES = 500;

class DefinedTimezone extends ICAL.Timezone {
  private readonly beforeChanges: { until: WallClock; offset: number } | undefined;

  constructor(vtimezone: ICAL.Component) {
    const component = ICAL.Component.fromString(vtimezone.toString());
    component.getAllSubcomponents().forEach(oneChangePerRdate);
    super({ component, tzid: String(component.getFirstPropertyValue('tzid')) });
    this.beforeChanges = firstChange(component);
  }

  override utcOffset(time: ICAL.Time): number {
    if (this.beforeChanges && wallClockOf(time) < this.beforeChanges.until) return this.beforeChanges.offset;
    return super.utcOffset(time);
  }
}

function oneChangePerRdate(observance: ICAL.Component): void {
  for (const property of observance.getAllProperties('rdate')) {
    const values = property.getValues() as ICAL.Time[];
    if (values.length < 2) continue;
    observance.removeProperty(property);
    for (const value of values) observance.addPropertyWithValue('rdate', value);
  }
}

/** The earliest onset of any observance (local time, before it), and the offset until then. */
function firstChange(vtimezone: ICAL.Component): { until: WallClock; offset: number } | undefined {
  let first: { until: WallClock; offset: number } | undefined;
  for (const observance of vtimezone.getAllSubcomponents()) {
    const from = observance.getFirstPropertyValue('tzoffsetfrom') as ICAL.UtcOffset | null;
    const onsets = [
      observance.getFirstPropertyValue('dtstart'),
      ...observance.getAllProperties('rdate').flatMap((p) => p.getValues()),
    ] as (ICAL.Time | null)[];
    for (const onset of onsets) {
      if (!from || !(onset instanceof ICAL.Time)) continue;
      const until = wallClockOf(onset);
      if (!first || until < first.until) first = { until, offset: from.toSeconds() };
    }
  }
  return first;
}
