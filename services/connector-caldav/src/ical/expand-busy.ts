import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { definedTimezone } from './defined-zones';
import { ianaTimezone, ianaZoneOf } from './iana-zones';
import { timesOnly } from './times-only';

export interface BusyWindow {
  /** Epoch milliseconds, [from, to). */
  from: number;
  to: number;
}

export interface ExpandOptions {
  /** The calendar's zone: floating times and all-day events are in it. */
  zone: string;
  /** RRULE instances expanded per series at most; past it, the rest of the window counts as busy. */
  maxInstances: number;
}

export interface BusySpan {
  start: number;
  end: number;
  /** Set when the event is one of our bookings. */
  bookingId?: string;
}

export interface ObjectBusy {
  busy: BusySpan[];
  /** True when a series hit the instance cap (its tail counted as busy). */
  capped: boolean;
}

/**
 * The busy spans an iCalendar object (one event with its recurrence overrides, as CalDAV stores
 * it) puts in a window. Everything but the time properties is dropped before parsing. Recurrence
 * is expanded here — RRULE (by ical.js), RDATE, EXDATE, overridden instances (RECURRENCE-ID, also
 * with RANGE=THISANDFUTURE) —
 * with TZIDs that name a known zone read from the zone database, others by the object's own
 * VTIMEZONE, and floating times, all-day events and unknown TZIDs in the calendar's zone.
 * Transparent and cancelled instances do not block. Throws when the object cannot be parsed.
 */
export function busyOfObject(ics: string, window: BusyWindow, options: ExpandOptions): ObjectBusy {
  const root = parseTimes(ics);
  const result: ObjectBusy = { busy: [], capped: false };
  const events = root.getAllSubcomponents('vevent');
  for (const series of groupByUid(events)) {
    const overrides = series.filter((event) => event.hasProperty('recurrence-id'));
    const masters = series.filter((event) => !event.hasProperty('recurrence-id'));
    const overridden = new Set(overrides.map((event) => instantOf(event.getFirstPropertyValue('recurrence-id') as ICAL.Time, options.zone)));
    const futures = thisAndFuture(overrides, options.zone);
    for (const master of masters) expandMaster(master, overridden, futures, window, options, result);
    for (const override of overrides) {
      const start = override.getFirstPropertyValue('dtstart') as ICAL.Time | null;
      if (start) addInstance(override, start, window, options.zone, result, bookingIdOf(override) ?? bookingIdOf(masters[0]), masters[0]);
    }
  }
  result.busy.sort((a, b) => a.start - b.start || a.end - b.end);
  return result;
}

/**
 * Our own event's times (UTC in our objects, but read as any other), or undefined when it is
 * cancelled (or has no times): as good as gone. An event made free keeps its times.
 */
export function timesOfSingleEvent(ics: string, zone: string): { start: number; end: number; bookingId?: string } | undefined {
  const root = parseTimes(ics);
  const event = root.getAllSubcomponents('vevent').find((e) => !e.hasProperty('recurrence-id'));
  const start = event?.getFirstPropertyValue('dtstart') as ICAL.Time | null | undefined;
  if (!event || !start || String(event.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED') return undefined;
  const startMs = instantOf(start, zone);
  const end = endOf(event, start, startMs, zone);
  return end > startMs ? { start: startMs, end, bookingId: bookingIdOf(event) } : undefined;
}

const BOOKING_UID = /^calldesk-(.+)$/;

/** Our events carry the booking id (X-CALLDESK-BOOKING-ID), and their UID derives from it. */
export function bookingIdOf(event: ICAL.Component | undefined): string | undefined {
  if (!event) return undefined;
  const own = event.getFirstPropertyValue('x-calldesk-booking-id');
  if (typeof own === 'string' && own) return own;
  const uid = event.getFirstPropertyValue('uid');
  return typeof uid === 'string' ? BOOKING_UID.exec(uid)?.[1] : undefined;
}

function parseTimes(ics: string): ICAL.Component {
  const text = timesOnly(ics);
  const parsed = ICAL.parse(text) as unknown[];
  // Several VCALENDARs in one object are not valid CalDAV; read the first.
  const root = new ICAL.Component((Array.isArray(parsed[0]) ? parsed[0] : parsed) as unknown[]);
  useZones(root, text);
  return root;
}

/**
 * Tells ical.js which zone each TZID of the object means before any time is read (it looks a TZID
 * up in its root's private `_timezoneCache` first): a zone known by name from the zone database,
 * else the object's own VTIMEZONE. A TZID that is neither is read as floating time.
 */
function useZones(root: ICAL.Component, text: string): void {
  const zones = (root as unknown as { _timezoneCache?: Map<string, ICAL.Timezone> })._timezoneCache;
  if (!zones) return;
  const definitions = new Map(root.getAllSubcomponents('vtimezone').map((vtimezone) => [String(vtimezone.getFirstPropertyValue('tzid')), vtimezone]));
  const used = [...text.matchAll(TZID_PARAMETER)].map((match) => match[1] ?? match[2]);
  for (const tzid of new Set([...definitions.keys(), ...used])) {
    const known = ianaZoneOf(tzid);
    const definition = definitions.get(tzid);
    const zone = known ? ianaTimezone(known) : definition && definedTimezone(definition);
    if (zone) zones.set(tzid, zone);
  }
}

const TZID_PARAMETER = /;TZID=(?:"([^"]*)"|([^";:]*))/gi;

function groupByUid(events: ICAL.Component[]): ICAL.Component[][] {
  const groups = new Map<string, ICAL.Component[]>();
  events.forEach((event, index) => {
    const uid = event.getFirstPropertyValue('uid');
    const key = typeof uid === 'string' && uid ? uid : `#${index}`;
    groups.set(key, [...(groups.get(key) ?? []), event]);
  });
  return [...groups.values()];
}

/**
 * An override with RANGE=THISANDFUTURE changes its instance and every later one: they move by the
 * same wall-clock shift and take its length, transparency and status (RFC 5545 §3.8.4.4).
 */
interface FutureOverride {
  /** The instant of the first instance it governs (its RECURRENCE-ID). */
  from: number;
  override: ICAL.Component;
  shift: ICAL.Duration;
  /** The shift in milliseconds, to know which instances may land in a window. */
  shiftMs: number;
}

function thisAndFuture(overrides: ICAL.Component[], zone: string): FutureOverride[] {
  return overrides
    .flatMap((override) => {
      const property = override.getFirstProperty('recurrence-id')!;
      const start = override.getFirstPropertyValue('dtstart') as ICAL.Time | null;
      if (String(property.getParameter('range') ?? '').toUpperCase() !== 'THISANDFUTURE' || !start) return [];
      const rid = property.getFirstValue() as ICAL.Time;
      const from = instantOf(rid, zone);
      return [{ from, override, shift: start.subtractDate(rid), shiftMs: instantOf(start, zone) - from }];
    })
    .sort((a, b) => a.from - b.from);
}

/** The override with the latest start at or before the instance, if any governs it. */
function governing(futures: FutureOverride[], instant: number): FutureOverride | undefined {
  let found: FutureOverride | undefined;
  for (const future of futures) if (future.from <= instant) found = future;
  return found;
}

function expandMaster(
  master: ICAL.Component,
  overridden: Set<number>,
  futures: FutureOverride[],
  window: BusyWindow,
  options: ExpandOptions,
  result: ObjectBusy,
): void {
  const dtstart = master.getFirstPropertyValue('dtstart') as ICAL.Time | null;
  if (!dtstart || (!blocks(master) && !futures.length)) return;
  const bookingId = bookingIdOf(master);
  const excluded = exclusions(master, options.zone);
  const starts = new Map<number, ICAL.Time>();
  const take = (time: ICAL.Time) => {
    const instant = instantOf(time, options.zone);
    if (overridden.has(instant) || excluded.instants.has(instant) || excluded.dates.has(localDate(time))) return;
    starts.set(instant, time);
  };
  take(dtstart);
  for (const rdate of rdates(master)) take(rdate);

  const rule = master.getFirstPropertyValue('rrule') as ICAL.Recur | null;
  if (rule) {
    // How far an instance may end after its original start, and start before it, moves included.
    const reach = Math.max(maxLengthMs(master, dtstart), ...futures.map((f) => f.shiftMs + maxLengthMs(f.override, dtstart)));
    const ahead = Math.max(0, ...futures.map((f) => -f.shiftMs));
    const first = fastForward(dtstart, rule, window.from - reach, options.zone);
    const iterator = rule.iterator(first);
    let count = 0;
    for (let next = iterator.next(); next; next = iterator.next()) {
      const instant = instantOf(next, options.zone);
      if (instant - ahead >= window.to) break;
      if (++count > options.maxInstances) {
        // A rule too dense to expand: what is left of the window cannot be verified, so it is busy.
        result.capped = true;
        result.busy.push({ start: Math.max(instant, window.from), end: window.to, bookingId });
        break;
      }
      if (instant + reach > window.from) take(next.clone());
    }
  }
  for (const [instant, start] of [...starts].sort(([a], [b]) => a - b)) {
    const future = governing(futures, instant);
    if (!future) addInstance(master, start, window, options.zone, result, bookingId);
    else addInstance(future.override, shifted(start, future.shift), window, options.zone, result, bookingId, master);
  }
}

function addInstance(
  event: ICAL.Component,
  start: ICAL.Time,
  window: BusyWindow,
  zone: string,
  result: ObjectBusy,
  bookingId?: string,
  master?: ICAL.Component,
): void {
  if (!blocks(event)) return;
  const startMs = instantOf(start, zone);
  // An override that gives no end of its own keeps the series' length.
  const lengthFrom = master && !event.hasProperty('dtend') && !event.hasProperty('duration') ? master : event;
  const end = endOf(lengthFrom, start, startMs, zone);
  if (end <= startMs || startMs >= window.to || end <= window.from) return;
  result.busy.push(bookingId ? { start: startMs, end, bookingId } : { start: startMs, end });
}

/** Transparent (free) and cancelled events do not block; tentative ones do. */
function blocks(event: ICAL.Component): boolean {
  const transp = String(event.getFirstPropertyValue('transp') ?? '').toUpperCase();
  const status = String(event.getFirstPropertyValue('status') ?? '').toUpperCase();
  return transp !== 'TRANSPARENT' && status !== 'CANCELLED';
}

/**
 * The instance's end: DTEND's distance from DTSTART (exact for date-times, in whole days for
 * dates), or DURATION (nominal days and weeks, exact hours and less); a date alone lasts a day,
 * a date-time alone is an instant (not busy).
 */
function endOf(event: ICAL.Component, start: ICAL.Time, startMs: number, zone: string): number {
  const ownStart = event.getFirstPropertyValue('dtstart') as ICAL.Time;
  const dtend = event.getFirstPropertyValue('dtend') as ICAL.Time | null;
  if (dtend) {
    if (start.isDate || ownStart.isDate) return plusDays(start, Math.max(1, daysBetween(ownStart, dtend)), zone);
    return startMs + (instantOf(dtend, zone) - instantOf(ownStart, zone));
  }
  const duration = event.getFirstPropertyValue('duration') as ICAL.Duration | null;
  if (duration) {
    const days = (duration.weeks ?? 0) * 7 + (duration.days ?? 0);
    const sign = duration.isNegative ? -1 : 1;
    if (start.isDate) return plusDays(start, Math.max(1, days), zone);
    const exact = sign * ((duration.hours ?? 0) * 3_600 + (duration.minutes ?? 0) * 60 + (duration.seconds ?? 0)) * 1_000;
    if (!days) return startMs + exact;
    const shifted = start.clone();
    shifted.addDuration(ICAL.Duration.fromData({ days: sign * days }));
    return instantOf(shifted, zone) + exact;
  }
  return start.isDate ? plusDays(start, 1, zone) : startMs;
}

/** An upper bound of one instance's length, to know which earlier starts may reach the window. */
function maxLengthMs(event: ICAL.Component, dtstart: ICAL.Time): number {
  const probeZone = 'UTC';
  const startMs = instantOf(dtstart, probeZone);
  return Math.max(0, endOf(event, dtstart, startMs, probeZone) - startMs) + 2 * 86_400_000;
}

/**
 * Starting a daily or weekly rule without COUNT from DTSTART walks every instance since; it is
 * the same series from a later start a whole number of periods on (same wall-clock time, same
 * weekday), so start just before the window. Other rules are walked from DTSTART.
 */
function fastForward(dtstart: ICAL.Time, rule: ICAL.Recur, notBefore: number, zone: string): ICAL.Time {
  const periodDays = rule.freq === 'DAILY' ? 1 : rule.freq === 'WEEKLY' ? 7 : 0;
  if (!periodDays || rule.count) return dtstart;
  const stepDays = periodDays * (rule.interval || 1);
  const behind = notBefore - instantOf(dtstart, zone) - 2 * stepDays * 86_400_000;
  if (behind <= 0) return dtstart;
  const steps = Math.floor(behind / (stepDays * 86_400_000));
  return shifted(dtstart, ICAL.Duration.fromData({ days: steps * stepDays }));
}

/**
 * `time` moved by `duration`. addDuration leaves the fields unnormalized (day 13000 of 1990),
 * and the rule iterator and the zone lookups take them as they are: a normalized time.
 */
function shifted(time: ICAL.Time, duration: ICAL.Duration): ICAL.Time {
  const moved = time.clone();
  moved.addDuration(duration);
  const { year, month, day, hour, minute, second, isDate } = moved;
  return ICAL.Time.fromData({ year, month, day, hour, minute, second, isDate }, time.zone);
}

function rdates(event: ICAL.Component): ICAL.Time[] {
  return event
    .getAllProperties('rdate')
    .flatMap((property) => property.getValues() as (ICAL.Time | ICAL.Period)[])
    .map((value) => (value instanceof ICAL.Period ? value.start : value));
}

function exclusions(event: ICAL.Component, zone: string): { instants: Set<number>; dates: Set<string> } {
  const instants = new Set<number>();
  const dates = new Set<string>();
  for (const property of event.getAllProperties('exdate')) {
    for (const value of property.getValues() as ICAL.Time[]) {
      if (value.isDate) dates.add(localDate(value));
      else instants.add(instantOf(value, zone));
    }
  }
  return { instants, dates };
}

/**
 * The instant of an iCalendar time: UTC as it is; a TZID by its zone (see useZones); a floating
 * time, a date (its start) or an unknown TZID in the calendar's zone.
 */
export function instantOf(time: ICAL.Time, zone: string): number {
  if (!time.isDate && time.zone && time.zone !== ICAL.Timezone.localTimezone) return time.toUnixTime() * 1_000;
  return DateTime.fromObject(
    { year: time.year, month: time.month, day: time.day, hour: time.isDate ? 0 : time.hour, minute: time.isDate ? 0 : time.minute, second: time.isDate ? 0 : time.second },
    { zone },
  ).toMillis();
}

function plusDays(start: ICAL.Time, days: number, zone: string): number {
  return DateTime.fromObject({ year: start.year, month: start.month, day: start.day }, { zone }).plus({ days }).toMillis();
}

function daysBetween(from: ICAL.Time, to: ICAL.Time): number {
  return Math.round((Date.UTC(to.year, to.month - 1, to.day) - Date.UTC(from.year, from.month - 1, from.day)) / 86_400_000);
}

function localDate(time: ICAL.Time): string {
  return `${time.year}-${time.month}-${time.day}`;
}
