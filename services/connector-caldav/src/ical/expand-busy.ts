import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { ReadRefused } from '../bounds/read-refused';
import { definedTimezone } from './defined-zones';
import { ianaZoneOf } from '@calldesk/connector-kit';
import { ianaTimezone } from './iana-zones';
import { walkRule } from './rule-starts';
import { timesOnly } from './times-only';
import { hasSubDailyZoneRule } from './zone-rules';
import { timeAt, wallClockOf, type WallClock } from './wall-clock';

export interface BusyWindow {
  /** Epoch milliseconds, [from, to). */
  from: number;
  to: number;
}

export interface ExpandOptions {
  /** The calendar's zone: floating times and all-day events are in it. */
  zone: string;
  /** Instances expanded per RRULE at most; past it, the rest of the window counts as busy. */
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
  /** True when a rule hit the instance cap or was not walked (the rest of the window counted as busy). */
  capped: boolean;
}

/**
 * The busy spans an iCalendar object (one event with its recurrence overrides, as CalDAV stores
 * it) puts in a window. Everything but the time properties is dropped before parsing. Recurrence
 * is expanded here — every RRULE (by rrule, see walkRule), RDATE (a PERIOD with its own length),
 * EXDATE, overridden instances (RECURRENCE-ID, also with RANGE=THISANDFUTURE) — with TZIDs that
 * name a known zone read from the zone database, others by the object's own VTIMEZONE, and
 * floating times, all-day events and unknown TZIDs in the calendar's zone. Of several versions of
 * one event only the latest counts. Transparent and cancelled instances do not block. Throws when
 * the object cannot be parsed, and ReadRefused for a time zone that changes more often than daily.
 */
export function busyOfObject(ics: string, window: BusyWindow, options: ExpandOptions): ObjectBusy {
  const root = parseTimes(ics);
  const result: ObjectBusy = { busy: [], capped: false };
  const events = root.getAllSubcomponents('vevent');
  for (const series of groupByUid(events).map((versions) => latestVersions(versions, options.zone))) {
    const overrides = series.filter((event) => event.hasProperty('recurrence-id'));
    const masters = series.filter((event) => !event.hasProperty('recurrence-id'));
    const overridden = new Set(
      overrides.map((event) => instantOf(event.getFirstPropertyValue('recurrence-id') as ICAL.Time, options.zone)),
    );
    const futures = thisAndFuture(overrides, options.zone);
    for (const master of masters) expandMaster(master, overridden, futures, window, options, result);
    for (const override of overrides) {
      const start = override.getFirstPropertyValue('dtstart') as ICAL.Time | null;
      if (start)
        addInstance(override, start, window, options.zone, result, {
          bookingId: bookingIdOf(masters[0]),
          master: masters[0],
        });
    }
  }
  result.busy.sort((a, b) => a.start - b.start || a.end - b.end);
  return result;
}

/**
 * Our own event's times (UTC in our objects, but read as any other), or undefined when it is
 * cancelled (or has no times): as good as gone. An event made free keeps its times.
 */
export function timesOfSingleEvent(
  ics: string,
  zone: string,
): { start: number; end: number; bookingId?: string } | undefined {
  const root = parseTimes(ics);
  const event = root.getAllSubcomponents('vevent').find((e) => !e.hasProperty('recurrence-id'));
  const start = event?.getFirstPropertyValue('dtstart') as ICAL.Time | null | undefined;
  if (!event || !start || String(event.getFirstPropertyValue('status') ?? '').toUpperCase() === 'CANCELLED')
    return undefined;
  const span = spanOf(event, start, instantOf(start, zone), zone);
  return span.end > span.start ? { ...span, bookingId: bookingIdOf(event) } : undefined;
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
  if (hasSubDailyZoneRule(text))
    throw new ReadRefused('calendar_too_complex', 'a time zone in the calendar changes more often than daily');
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
  const definitions = new Map(
    root
      .getAllSubcomponents('vtimezone')
      .map((vtimezone) => [String(vtimezone.getFirstPropertyValue('tzid')), vtimezone]),
  );
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
 * A client that lost track of an event may write it again beside the old one (same UID, same or
 * no RECURRENCE-ID): of each instance only the latest version counts, by SEQUENCE, then DTSTAMP
 * (RFC 5545 §3.8.7). Versions nothing tells apart all count: which one is right is unknown.
 */
function latestVersions(series: ICAL.Component[], zone: string): ICAL.Component[] {
  const byInstance = new Map<string, ICAL.Component[]>();
  for (const event of series) {
    const rid = event.getFirstPropertyValue('recurrence-id') as ICAL.Time | null;
    const key = rid ? String(instantOf(rid, zone)) : 'series';
    byInstance.set(key, [...(byInstance.get(key) ?? []), event]);
  }
  return [...byInstance.values()].flatMap((versions) => {
    const latest = versions.map(versionOf).reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b));
    return versions.filter((event) => compareVersions(versionOf(event), latest) === 0);
  });
}

function versionOf(event: ICAL.Component): [sequence: number, stamp: number] {
  const sequence = Number(event.getFirstPropertyValue('sequence') ?? 0);
  const stamp = event.getFirstPropertyValue('dtstamp') as ICAL.Time | null;
  return [Number.isFinite(sequence) ? sequence : 0, stamp ? stamp.toUnixTime() : -Infinity];
}

function compareVersions(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || (a[1] === b[1] ? 0 : a[1] > b[1] ? 1 : -1);
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
  const instances = new Map<number, Instance>();
  const take = (instance: Instance) => {
    const instant = instantOf(instance.start, options.zone);
    if (overridden.has(instant) || excluded.instants.has(instant) || excluded.dates.has(localDate(instance.start)))
      return;
    instances.set(instant, instance);
  };
  take({ start: dtstart });
  rdates(master).forEach(take);
  ruleStarts(master, dtstart, futures, window, options, result).forEach((start) => take({ start }));
  for (const [instant, { start, end }] of [...instances].sort(([a], [b]) => a - b)) {
    const future = governing(futures, instant);
    if (!future) addInstance(master, start, window, options.zone, result, { bookingId, end });
    else
      addInstance(future.override, shifted(start, future.shift), window, options.zone, result, { bookingId, master });
  }
}

/** One start of a series; an RDATE PERIOD brings its own end. */
interface Instance {
  start: ICAL.Time;
  end?: ICAL.Time;
}

/**
 * The starts the series' RRULEs make (all of them: a series may have several) that may reach the
 * window, in no particular order. Past maxInstances of a rule, or for a rule not walked, what is
 * left of the window cannot be verified, so it is busy.
 */
function ruleStarts(
  master: ICAL.Component,
  dtstart: ICAL.Time,
  futures: FutureOverride[],
  window: BusyWindow,
  options: ExpandOptions,
  result: ObjectBusy,
): ICAL.Time[] {
  const rules = master.getAllProperties('rrule').map((property) => property.getFirstValue() as ICAL.Recur);
  if (!rules.length) return [];
  // How far an instance may reach from its original start either way, moves included.
  const reach = Math.max(
    maxLengthMs(master, dtstart),
    ...futures.map((f) => Math.abs(f.shiftMs) + maxLengthMs(f.override, dtstart)),
  );
  const bookingId = bookingIdOf(master);
  const busyFrom = (instant: number) => {
    const start = Math.max(instant, window.from);
    if (start >= window.to) return;
    result.capped = true;
    result.busy.push({ start, end: window.to, ...(bookingId ? { bookingId } : {}) });
  };
  const starts: ICAL.Time[] = [];
  for (const rule of rules) {
    let walked = 0;
    const walk = {
      dtstart: wallClockOf(dtstart),
      until: rule.until ? untilWallClock(rule.until, dtstart, options.zone) : undefined,
      notBefore: window.from - reach,
      notAfter: window.to + reach,
    };
    const walkable = walkRule(rule, walk, (wallClock) => {
      const start = timeAt(wallClock, dtstart.zone, dtstart.isDate);
      const instant = instantOf(start, options.zone);
      if (++walked > options.maxInstances) {
        busyFrom(instant);
        return false;
      }
      if (instant + reach > window.from && instant - reach < window.to) starts.push(start);
      return true;
    });
    if (!walkable) busyFrom(instantOf(dtstart, options.zone));
  }
  return starts;
}

/**
 * UNTIL in the series' wall clock: a UTC UNTIL beside a zoned or floating DTSTART (as RFC 5545
 * wants it) at its local time in that zone; a date through its end; else as written.
 */
function untilWallClock(until: ICAL.Time, dtstart: ICAL.Time, zone: string): WallClock {
  if (until.isDate) return wallClockOf(until) + DAY_MS - 1_000;
  if (until.zone !== ICAL.Timezone.utcTimezone || dtstart.zone === ICAL.Timezone.utcTimezone) return wallClockOf(until);
  const local = dtstart.isDate || dtstart.zone === ICAL.Timezone.localTimezone ? ianaTimezone(zone) : dtstart.zone!;
  const instant = until.toUnixTime() * 1_000;
  // The offset at the UTC reading, then at the local time that gives: right but in the hour of a change.
  const guess = instant + local.utcOffset(timeAt(instant, local, false)) * 1_000;
  return instant + local.utcOffset(timeAt(guess, local, false)) * 1_000;
}

const DAY_MS = 86_400_000;

function addInstance(
  event: ICAL.Component,
  start: ICAL.Time,
  window: BusyWindow,
  zone: string,
  result: ObjectBusy,
  context: { bookingId?: string; master?: ICAL.Component; end?: ICAL.Time },
): void {
  if (!blocks(event)) return;
  const bookingId = bookingIdOf(event) ?? context.bookingId;
  const startMs = instantOf(start, zone);
  // An override that gives no end of its own keeps the series' length.
  const lengthFrom =
    context.master && !event.hasProperty('dtend') && !event.hasProperty('duration') ? context.master : event;
  const span = context.end ? between(startMs, instantOf(context.end, zone)) : spanOf(lengthFrom, start, startMs, zone);
  if (span.end <= span.start || span.start >= window.to || span.end <= window.from) return;
  result.busy.push(bookingId ? { ...span, bookingId } : span);
}

/** Transparent (free) and cancelled events do not block; tentative ones do. */
function blocks(event: ICAL.Component): boolean {
  const transp = String(event.getFirstPropertyValue('transp') ?? '').toUpperCase();
  const status = String(event.getFirstPropertyValue('status') ?? '').toUpperCase();
  return transp !== 'TRANSPARENT' && status !== 'CANCELLED';
}

interface Span {
  start: number;
  end: number;
}

/**
 * The instance's span: to DTEND's distance from DTSTART (exact for date-times, in whole days for
 * dates), or DURATION (nominal days and weeks, exact hours and less); a date alone lasts a day,
 * a date-time alone is an instant (not busy). An end before the start is a client's error that
 * we read on the safe side, as busy between the two: from the end to the start (for dates,
 * through the start's whole day).
 */
function spanOf(event: ICAL.Component, start: ICAL.Time, startMs: number, zone: string): Span {
  const ownStart = event.getFirstPropertyValue('dtstart') as ICAL.Time;
  const dtend = event.getFirstPropertyValue('dtend') as ICAL.Time | null;
  if (dtend) {
    if (start.isDate || ownStart.isDate) return daySpan(start, daysBetween(ownStart, dtend), zone);
    return between(startMs, startMs + (instantOf(dtend, zone) - instantOf(ownStart, zone)));
  }
  const duration = event.getFirstPropertyValue('duration') as ICAL.Duration | null;
  if (duration) {
    const sign = duration.isNegative ? -1 : 1;
    const days = sign * ((duration.weeks ?? 0) * 7 + (duration.days ?? 0));
    if (start.isDate) return daySpan(start, days, zone);
    const exact =
      sign * ((duration.hours ?? 0) * 3_600 + (duration.minutes ?? 0) * 60 + (duration.seconds ?? 0)) * 1_000;
    if (!days) return between(startMs, startMs + exact);
    return between(
      startMs,
      instantOf(shifted(start, ICAL.Duration.fromData({ days: Math.abs(days), isNegative: days < 0 })), zone) + exact,
    );
  }
  return start.isDate ? daySpan(start, 1, zone) : { start: startMs, end: startMs };
}

/** Whole local days from a date: `days` of them, at least its own; counted back, from that many days before through the date itself. */
function daySpan(start: ICAL.Time, days: number, zone: string): Span {
  return days > 0
    ? { start: plusDays(start, 0, zone), end: plusDays(start, days, zone) }
    : { start: plusDays(start, days, zone), end: plusDays(start, 1, zone) };
}

function between(a: number, b: number): Span {
  return { start: Math.min(a, b), end: Math.max(a, b) };
}

/** An upper bound of one instance's length, to know which starts may reach the window. */
function maxLengthMs(event: ICAL.Component, dtstart: ICAL.Time): number {
  const probeZone = 'UTC';
  const span = spanOf(event, dtstart, instantOf(dtstart, probeZone), probeZone);
  return span.end - span.start + 2 * DAY_MS;
}

/**
 * `time` moved by `duration`. addDuration leaves the fields unnormalized (day 13000 of 1990),
 * and the zone lookups take them as they are: a normalized time.
 */
function shifted(time: ICAL.Time, duration: ICAL.Duration): ICAL.Time {
  const moved = time.clone();
  moved.addDuration(duration);
  const { year, month, day, hour, minute, second, isDate } = moved;
  return ICAL.Time.fromData({ year, month, day, hour, minute, second, isDate }, time.zone);
}

function rdates(event: ICAL.Component): Instance[] {
  return event
    .getAllProperties('rdate')
    .flatMap((property) => property.getValues() as (ICAL.Time | ICAL.Period)[])
    .map((value) => (value instanceof ICAL.Period ? { start: value.start, end: value.getEnd() } : { start: value }));
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
    {
      year: time.year,
      month: time.month,
      day: time.day,
      hour: time.isDate ? 0 : time.hour,
      minute: time.isDate ? 0 : time.minute,
      second: time.isDate ? 0 : time.second,
    },
    { zone },
  ).toMillis();
}

function plusDays(start: ICAL.Time, days: number, zone: string): number {
  return DateTime.fromObject({ year: start.year, month: start.month, day: start.day }, { zone })
    .plus({ days })
    .toMillis();
}

function daysBetween(from: ICAL.Time, to: ICAL.Time): number {
  return Math.round(
    (Date.UTC(to.year, to.month - 1, to.day) - Date.UTC(from.year, from.month - 1, from.day)) / 86_400_000,
  );
}

function localDate(time: ICAL.Time): string {
  return `${time.year}-${time.month}-${time.day}`;
}
