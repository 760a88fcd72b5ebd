import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { ReadRefused } from '../bounds/read-refused';
import { busyOfObject, type BusySpan, type BusyWindow, type ExpandOptions, type ObjectBusy } from './expand-busy';
import { ianaZoneOf } from '@calldesk/connector-kit';
import { timesOnly } from './times-only';

/**
 * The busy spans of an object as busyOfObject reads it, or, when it cannot be parsed, as
 * failSafeBusy reads it (`unreadable` then): one bad object never leaves a calendar unverified.
 * An object refused as too costly to read (ReadRefused) is not a parse failure: it refuses its
 * calendar, so that the owner is told why rather than shown a guess.
 */
export function busyOrFailSafe(
  ics: string,
  window: BusyWindow,
  options: ExpandOptions,
): ObjectBusy & { unreadable: boolean } {
  try {
    return { ...busyOfObject(ics, window, options), unreadable: false };
  } catch (error) {
    if (error instanceof ReadRefused) throw error;
    return { busy: failSafeBusy(ics, window, options.zone), capped: false, unreadable: true };
  }
}

/**
 * What an object we cannot parse may keep busy, read line by line from its time properties and
 * on the safe side: each event from its DTSTART (read leniently) to its DTEND or DURATION, or
 * without a readable end, to the end of its local day (a date, its whole day); a recurring one
 * (RRULE or RDATE) to the end of the window; one whose start cannot be read, the whole window.
 * Transparency, status and exceptions are not trusted: every event blocks.
 */
export function failSafeBusy(ics: string, window: BusyWindow, zone: string): BusySpan[] {
  return eventsOf(timesOnly(ics))
    .map((event) => spanOf(event, window, zone))
    .filter((span) => span.start < window.to && span.end > window.from)
    .sort((a, b) => a.start - b.start || a.end - b.end);
}

interface LooseEvent {
  /** Each time property's first line: its parameters and value. */
  properties: Map<string, { parameters: string; value: string }>;
  recurring: boolean;
}

function eventsOf(text: string): LooseEvent[] {
  const events: LooseEvent[] = [];
  let current: LooseEvent | undefined;
  for (const line of text.split('\r\n')) {
    if (line === 'BEGIN:VEVENT') current = { properties: new Map(), recurring: false };
    else if (line === 'END:VEVENT' && current) {
      events.push(current);
      current = undefined;
    } else if (current) {
      const [, name, parameters, value] = /^([A-Z-]+)([^:]*):(.*)$/.exec(line) ?? [];
      if (name === 'RRULE' || name === 'RDATE') current.recurring = true;
      if (name && !current.properties.has(name)) current.properties.set(name, { parameters, value });
    }
  }
  // An event left open by a broken object still counts.
  return current ? [...events, current] : events;
}

function spanOf(event: LooseEvent, window: BusyWindow, zone: string): BusySpan {
  const start = looseTime(event.properties.get('DTSTART'), zone);
  if (!start) return { start: window.from, end: window.to };
  if (event.recurring) return { start: start.instant, end: Math.max(window.to, start.instant) };
  const end =
    looseTime(event.properties.get('DTEND'), zone)?.instant ??
    afterDuration(start.instant, event.properties.get('DURATION')?.value);
  if (end !== undefined && end !== start.instant)
    return { start: Math.min(start.instant, end), end: Math.max(start.instant, end) };
  return {
    start: start.instant,
    end: DateTime.fromMillis(start.instant, { zone: start.zone }).endOf('day').toMillis() + 1,
  };
}

/** A time read from its digits alone (2026-03-12T13:00, 20260312T1300Z, 20260312), in its TZID if known, else the calendar's zone. */
function looseTime(
  property: { parameters: string; value: string } | undefined,
  calendarZone: string,
): { instant: number; isDate: boolean; zone: string } | undefined {
  const match = /(\d{4})-?(\d{2})-?(\d{2})(?:T(\d{2}):?(\d{2})?:?(\d{2})?)?\s*(Z)?/i.exec(property?.value ?? '');
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, utc] = match;
  const tzid = /TZID="?([^";]*)"?/i.exec(property!.parameters)?.[1];
  const zone = utc ? 'UTC' : (tzid && ianaZoneOf(tzid)) || calendarZone;
  const time = DateTime.fromObject(
    { year: +year, month: +month, day: +day, hour: +(hour ?? 0), minute: +(minute ?? 0), second: +(second ?? 0) },
    { zone },
  );
  return time.isValid ? { instant: time.toMillis(), isDate: hour === undefined, zone } : undefined;
}

function afterDuration(start: number, value: string | undefined): number | undefined {
  try {
    return value ? start + ICAL.Duration.fromString(value.trim()).toSeconds() * 1_000 : undefined;
  } catch {
    return undefined;
  }
}
