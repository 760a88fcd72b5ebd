import type { Interval } from './interval';
import type { Recurrence } from './recurrence';

/**
 * A member's availability as `calendar.v1.admin.availability.set` carries it (DESIGN §2), after
 * validateProfile has checked and normalized it: times "HH:MM", dates "YYYY-MM-DD", instants RFC
 * 3339 with offset, every rule filled in.
 */
export interface AvailabilityProfile {
  /** IANA zone in which hours, dates and recurring blocks are read. */
  timeZone: string;
  weeklyHours: WeeklyWindow[];
  overrides: DateOverride[];
  rules: BookingRules;
  blocked: BlockedTime[];
}

export interface WeeklyWindow {
  /** ISO weekday, Monday = 1 … Sunday = 7. */
  weekday: number;
  start: string;
  /** Before `start` (or equal to "00:00") means the window runs into the next day. */
  end: string;
}

export interface LocalWindow {
  start: string;
  end: string;
}

/** Other hours on one local date; no windows means closed. */
export interface DateOverride {
  date: string;
  windows: LocalWindow[];
}

export interface BookingRules {
  minimumNoticeMinutes: number;
  maximumAdvanceDays: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  /** When absent, the service's duration. */
  slotStepMinutes?: number;
}

export type BlockedTime = AbsoluteBlock | DayBlock | RecurringBlock;

export interface AbsoluteBlock {
  start: string;
  end: string;
  label?: string;
}

/** A whole local day. */
export interface DayBlock {
  date: string;
  label?: string;
}

/** A local window on every date an RFC 5545 rule yields, e.g. lunch on weekdays. */
export interface RecurringBlock {
  rrule: string;
  from: string;
  /** "24:00" is the end of the day; before `from` means the window runs into the next day. */
  to: string;
  exceptDates?: string[];
  label?: string;
}

/** The numeric form of a profile that slot generation works on; see compileProfile. */
export interface MemberSchedule {
  zone: string;
  /** Windows per ISO weekday (index 1..7; index 0 unused). */
  weekly: readonly (readonly LocalSpan[])[];
  /** Windows per overridden local date (days since 1970-01-01). */
  overrides: ReadonlyMap<number, readonly LocalSpan[]>;
  rules: SchedulingRules;
  blocked: readonly CompiledBlock[];
}

/** Minutes from a local date's midnight; `toMinute` may pass 1440 for a window ending next day. */
export interface LocalSpan {
  fromMinute: number;
  toMinute: number;
}

/** BookingRules in milliseconds. */
export interface SchedulingRules {
  minimumNoticeMs: number;
  maximumAdvanceMs: number;
  bufferBeforeMs: number;
  bufferAfterMs: number;
  slotStepMs?: number;
}

export type CompiledBlock =
  | { kind: 'absolute'; interval: Interval }
  | { kind: 'day'; day: number }
  | { kind: 'recurring'; recurrence: Recurrence; window: LocalSpan; exceptDays: ReadonlySet<number> };
