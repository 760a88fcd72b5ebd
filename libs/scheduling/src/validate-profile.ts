import { isoWeekday, parseLocalDate, parseLocalTime } from './local-time';
import type {
  AvailabilityProfile,
  BlockedTime,
  BookingRules,
  DateOverride,
  LocalSpan,
  LocalWindow,
  RecurringBlock,
  WeeklyWindow,
} from './profile';
import { parseRecurrence } from './recurrence';
import { parseInstant } from './rfc3339';
import { DEFAULT_RULES, RULE_LIMITS } from './rules';
import { MINUTES_PER_DAY } from './time-units';
import { isKnownZone } from './zone-clock';

/** One problem with an input, `field` being a path such as `weeklyHours[2].end`. */
export interface FieldError {
  field: string;
  message: string;
}

export type ProfileValidation = { ok: true; profile: AvailabilityProfile } | { ok: false; errors: FieldError[] };

/**
 * Checks an availability profile from the wire (the `availability.set` body plus the member's
 * `timeZone`) and returns it normalized — windows sorted, every rule filled in — or every problem
 * found. Overlapping windows are refused, including a window that overlaps the overnight spill of
 * the day before, since overlapping hours would make the slot grid ambiguous.
 */
export function validateProfile(input: unknown): ProfileValidation {
  const errors = new ErrorList();
  if (!isRecord(input)) return { ok: false, errors: [{ field: '', message: 'must be an object' }] };
  const timeZone = readZone(input.timeZone, errors);
  const weekly = readWeeklyHours(input.weeklyHours, errors);
  const overrides = readOverrides(input.overrides, errors);
  const rules = readRules(input.rules, errors);
  const blocked = readBlocked(input.blocked, errors);
  checkWeeklyOverlaps(weekly, errors);
  checkOverrideOverlaps(overrides, weekly, errors);
  if (errors.list.length > 0) return { ok: false, errors: errors.list };
  const profile: AvailabilityProfile = {
    timeZone,
    weeklyHours: weekly
      .map((window) => window.value)
      .sort((a, b) => a.weekday - b.weekday || a.start.localeCompare(b.start)),
    overrides: overrides.map(toDateOverride).sort((a, b) => a.date.localeCompare(b.date)),
    rules,
    blocked,
  };
  return { ok: true, profile };
}

/** Checks a service's duration against the same limits slot generation assumes. */
export function validateServiceDuration(minutes: unknown, field = 'durationMinutes'): FieldError[] {
  const errors = new ErrorList();
  readWholeNumber(minutes, field, RULE_LIMITS.durationMinutes, errors);
  return errors.list;
}

function toDateOverride({ date, windows }: CheckedOverride): DateOverride {
  return { date, windows: windows.map((window) => window.value).sort((a, b) => a.start.localeCompare(b.start)) };
}

const MAX_WEEKLY_WINDOWS = 100;
const MAX_OVERRIDES = 1000;
const MAX_WINDOWS_PER_DAY = 20;
const MAX_BLOCKED = 1000;
const MAX_EXCEPT_DATES = 1000;
const MAX_LABEL_LENGTH = 200;

class ErrorList {
  readonly list: FieldError[] = [];

  add(field: string, message: string): void {
    if (!this.list.some((error) => error.field === field && error.message === message))
      this.list.push({ field, message });
  }
}

/** A window that passed its own checks, with where it came from for overlap messages. */
interface CheckedWindow {
  span: LocalSpan;
  field: string;
  value: LocalWindow;
}

interface CheckedWeekly extends CheckedWindow {
  value: WeeklyWindow;
}

interface CheckedOverride {
  day: number;
  date: string;
  windows: CheckedWindow[];
}

function readZone(value: unknown, errors: ErrorList): string {
  if (typeof value === 'string' && isKnownZone(value)) return value;
  errors.add('timeZone', 'must be an IANA time zone such as Europe/London');
  return '';
}

function readWeeklyHours(value: unknown, errors: ErrorList): CheckedWeekly[] {
  const checked: CheckedWeekly[] = [];
  readList(value, 'weeklyHours', MAX_WEEKLY_WINDOWS, errors).forEach((item, i) => {
    const field = `weeklyHours[${i}]`;
    if (!isRecord(item)) return errors.add(field, 'must be an object');
    const weekday = item.weekday;
    const validWeekday = typeof weekday === 'number' && Number.isInteger(weekday) && weekday >= 1 && weekday <= 7;
    if (!validWeekday) errors.add(`${field}.weekday`, 'must be 1..7 (Monday = 1)');
    const span = readLocalSpan(item, field, 'start', 'end', errors);
    if (validWeekday && span !== undefined) {
      checked.push({
        span,
        field,
        value: { weekday: weekday as number, start: item.start as string, end: item.end as string },
      });
    }
  });
  return checked;
}

function readOverrides(value: unknown, errors: ErrorList): CheckedOverride[] {
  const checked: CheckedOverride[] = [];
  readList(value, 'overrides', MAX_OVERRIDES, errors).forEach((item, i) => {
    const field = `overrides[${i}]`;
    if (!isRecord(item)) return errors.add(field, 'must be an object');
    const day = readDate(item.date, `${field}.date`, errors);
    if (day !== undefined && checked.some((other) => other.day === day)) errors.add(`${field}.date`, 'appears twice');
    const windows: CheckedWindow[] = [];
    readList(item.windows, `${field}.windows`, MAX_WINDOWS_PER_DAY, errors).forEach((window, j) => {
      const windowField = `${field}.windows[${j}]`;
      if (!isRecord(window)) return errors.add(windowField, 'must be an object');
      const span = readLocalSpan(window, windowField, 'start', 'end', errors);
      if (span !== undefined) {
        windows.push({ span, field: windowField, value: { start: window.start as string, end: window.end as string } });
      }
    });
    if (day !== undefined) checked.push({ day, date: item.date as string, windows });
  });
  return checked;
}

function readRules(value: unknown, errors: ErrorList): BookingRules {
  if (value === undefined || value === null) return { ...DEFAULT_RULES };
  if (!isRecord(value)) {
    errors.add('rules', 'must be an object');
    return { ...DEFAULT_RULES };
  }
  const read = (name: Exclude<keyof BookingRules, 'slotStepMinutes'>): number =>
    value[name] === undefined || value[name] === null
      ? DEFAULT_RULES[name]
      : readWholeNumber(value[name], `rules.${name}`, RULE_LIMITS[name], errors);
  const rules: BookingRules = {
    minimumNoticeMinutes: read('minimumNoticeMinutes'),
    maximumAdvanceDays: read('maximumAdvanceDays'),
    bufferBeforeMinutes: read('bufferBeforeMinutes'),
    bufferAfterMinutes: read('bufferAfterMinutes'),
  };
  if (value.slotStepMinutes !== undefined && value.slotStepMinutes !== null) {
    rules.slotStepMinutes = readWholeNumber(
      value.slotStepMinutes,
      'rules.slotStepMinutes',
      RULE_LIMITS.slotStepMinutes,
      errors,
    );
  }
  return rules;
}

function readBlocked(value: unknown, errors: ErrorList): BlockedTime[] {
  const blocked: BlockedTime[] = [];
  readList(value, 'blocked', MAX_BLOCKED, errors).forEach((item, i) => {
    const field = `blocked[${i}]`;
    if (!isRecord(item)) return errors.add(field, 'must be an object');
    const label = readLabel(item.label, `${field}.label`, errors);
    const kinds = [isGiven(item.rrule), isGiven(item.date), isGiven(item.start) || isGiven(item.end)];
    if (kinds.filter(Boolean).length !== 1) {
      return errors.add(field, 'must have exactly one of: start and end; date; rrule with from and to');
    }
    const read = kinds[0] ? readRecurring : kinds[1] ? readDayBlock : readAbsolute;
    const block = read(item, field, errors);
    if (block !== undefined) blocked.push(label === undefined ? block : { ...block, label });
  });
  return blocked;
}

function readRecurring(item: Record<string, unknown>, field: string, errors: ErrorList): RecurringBlock | undefined {
  let rrule: string | undefined;
  if (typeof item.rrule !== 'string') {
    errors.add(`${field}.rrule`, 'must be an RRULE such as FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR');
  } else {
    const parsed = parseRecurrence(item.rrule);
    if (parsed.ok) rrule = item.rrule.trim().toUpperCase();
    else errors.add(`${field}.rrule`, parsed.message);
  }
  const span = readLocalSpan(item, field, 'from', 'to', errors);
  const exceptDates = new Set<string>();
  readList(item.exceptDates, `${field}.exceptDates`, MAX_EXCEPT_DATES, errors).forEach((date, j) => {
    if (readDate(date, `${field}.exceptDates[${j}]`, errors) !== undefined) exceptDates.add(date as string);
  });
  if (rrule === undefined || span === undefined) return undefined;
  return { rrule, from: item.from as string, to: item.to as string, exceptDates: [...exceptDates].sort() };
}

function readDayBlock(item: Record<string, unknown>, field: string, errors: ErrorList): BlockedTime | undefined {
  return readDate(item.date, `${field}.date`, errors) === undefined ? undefined : { date: item.date as string };
}

function readAbsolute(item: Record<string, unknown>, field: string, errors: ErrorList): BlockedTime | undefined {
  const start = readInstant(item.start, `${field}.start`, errors);
  const end = readInstant(item.end, `${field}.end`, errors);
  if (start === undefined || end === undefined) return undefined;
  if (end <= start) {
    errors.add(`${field}.end`, 'must be after start');
    return undefined;
  }
  return { start: item.start as string, end: item.end as string };
}

function checkWeeklyOverlaps(weekly: readonly CheckedWeekly[], errors: ErrorList): void {
  // On a week-long clock, a window that runs past Sunday midnight wraps to Monday morning.
  const week = 7 * MINUTES_PER_DAY;
  const pieces = weekly.flatMap(({ span, field, value }) => {
    const start = (value.weekday - 1) * MINUTES_PER_DAY + span.fromMinute;
    const end = (value.weekday - 1) * MINUTES_PER_DAY + span.toMinute;
    return end <= week
      ? [{ start, end, field, blame: true }]
      : [
          { start, end: week, field, blame: true },
          { start: 0, end: end - week, field, blame: true },
        ];
  });
  reportOverlaps(pieces, errors);
}

/**
 * An override replaces one date's windows; it must not overlap the spill of the day before nor
 * spill into the next day's windows. Only the override is blamed.
 */
function checkOverrideOverlaps(
  overrides: readonly CheckedOverride[],
  weekly: readonly CheckedWeekly[],
  errors: ErrorList,
): void {
  const byDay = new Map(overrides.map((override) => [override.day, override.windows]));
  const windowsOn = (day: number): readonly CheckedWindow[] =>
    byDay.get(day) ?? weekly.filter((window) => window.value.weekday === isoWeekday(day));
  for (const { day, windows } of overrides) {
    reportOverlaps([...spillsOf(windowsOn(day - 1), false), ...piecesOf(windows, true)], errors);
    if (!byDay.has(day + 1))
      reportOverlaps([...piecesOf(windowsOn(day + 1), false), ...spillsOf(windows, true)], errors);
  }
}

/** Windows in minutes of their own day. */
function piecesOf(windows: readonly CheckedWindow[], blame: boolean): Piece[] {
  return windows.map(({ span, field }) => ({ start: span.fromMinute, end: span.toMinute, field, blame }));
}

/** The parts of windows that run past midnight, in minutes of the next day. */
function spillsOf(windows: readonly CheckedWindow[], blame: boolean): Piece[] {
  return windows
    .filter(({ span }) => span.toMinute > MINUTES_PER_DAY)
    .map(({ span, field }) => ({ start: 0, end: span.toMinute - MINUTES_PER_DAY, field, blame }));
}

interface Piece {
  start: number;
  end: number;
  field: string;
  /** Whether an overlap may be reported on this piece's field. */
  blame: boolean;
}

/** Reports each overlapping pair on the later blameable piece. Days hold few windows. */
function reportOverlaps(pieces: readonly Piece[], errors: ErrorList): void {
  pieces.forEach((later, j) => {
    for (const earlier of pieces.slice(0, j)) {
      if (earlier.field === later.field || earlier.start >= later.end || later.start >= earlier.end) continue;
      if (later.blame) errors.add(`${later.field}.start`, `overlaps ${earlier.field}`);
      else if (earlier.blame) errors.add(`${earlier.field}.start`, `overlaps ${later.field}`);
    }
  });
}

function readLocalSpan(
  item: Record<string, unknown>,
  field: string,
  startName: string,
  endName: string,
  errors: ErrorList,
): LocalSpan | undefined {
  const start =
    typeof item[startName] === 'string' ? parseLocalTime(item[startName] as string, 'reject-24:00') : undefined;
  const end = typeof item[endName] === 'string' ? parseLocalTime(item[endName] as string, 'allow-24:00') : undefined;
  if (start === undefined) errors.add(`${field}.${startName}`, 'must be a local time "HH:MM" from 00:00 to 23:59');
  if (end === undefined) errors.add(`${field}.${endName}`, 'must be a local time "HH:MM" from 00:00 to 24:00');
  if (start === undefined || end === undefined) return undefined;
  if (start === end) {
    errors.add(`${field}.${endName}`, `must differ from ${startName} (an earlier time means the next day)`);
    return undefined;
  }
  return { fromMinute: start, toMinute: end < start ? end + MINUTES_PER_DAY : end };
}

function readDate(value: unknown, field: string, errors: ErrorList): number | undefined {
  const day = typeof value === 'string' ? parseLocalDate(value) : undefined;
  if (day === undefined) errors.add(field, 'must be a date "YYYY-MM-DD"');
  return day;
}

function readInstant(value: unknown, field: string, errors: ErrorList): number | undefined {
  const instant = typeof value === 'string' ? parseInstant(value) : undefined;
  if (instant === undefined) errors.add(field, 'must be an RFC 3339 time with offset');
  return instant;
}

function readWholeNumber(
  value: unknown,
  field: string,
  limits: { min: number; max: number },
  errors: ErrorList,
): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= limits.min && value <= limits.max) return value;
  errors.add(field, `must be a whole number from ${limits.min} to ${limits.max}`);
  return limits.min;
}

function readLabel(value: unknown, field: string, errors: ErrorList): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && value.length <= MAX_LABEL_LENGTH) return value;
  errors.add(field, `must be text of at most ${MAX_LABEL_LENGTH} characters`);
  return undefined;
}

function readList(value: unknown, field: string, max: number, errors: ErrorList): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    errors.add(field, 'must be a list');
    return [];
  }
  if (value.length > max) {
    errors.add(field, `must have at most ${max} entries`);
    return [];
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isGiven(value: unknown): boolean {
  return value !== undefined && value !== null;
}
