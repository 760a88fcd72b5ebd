import type { Interval } from './interval';
import type { BookingRules, SchedulingRules } from './profile';
import { DAY_MS, MINUTE_MS } from './time-units';

/** What a rule left out of an availability profile means. */
export const DEFAULT_RULES: Readonly<BookingRules> = {
  minimumNoticeMinutes: 0,
  maximumAdvanceDays: 60,
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
};

/** Inclusive bounds beyond which a value is a mistake, not a policy. */
export const RULE_LIMITS = {
  minimumNoticeMinutes: { min: 0, max: 365 * 24 * 60 },
  maximumAdvanceDays: { min: 1, max: 3650 },
  bufferBeforeMinutes: { min: 0, max: 24 * 60 },
  bufferAfterMinutes: { min: 0, max: 24 * 60 },
  slotStepMinutes: { min: 5, max: 24 * 60 },
  durationMinutes: { min: 1, max: 24 * 60 },
} as const;

export function compileRules(rules: BookingRules): SchedulingRules {
  return {
    minimumNoticeMs: rules.minimumNoticeMinutes * MINUTE_MS,
    maximumAdvanceMs: rules.maximumAdvanceDays * DAY_MS,
    bufferBeforeMs: rules.bufferBeforeMinutes * MINUTE_MS,
    bufferAfterMs: rules.bufferAfterMinutes * MINUTE_MS,
    slotStepMs: rules.slotStepMinutes === undefined ? undefined : rules.slotStepMinutes * MINUTE_MS,
  };
}

/**
 * The starts that notice and advance allow, as a half-open interval: from now + notice up to
 * and including now + advance.
 */
export function allowedStarts(rules: SchedulingRules, now: number): Interval {
  return { start: now + rules.minimumNoticeMs, end: now + rules.maximumAdvanceMs + 1 };
}

/** The time a booking at `start` keeps from others: the appointment and its buffers. */
export function heldSpan(rules: SchedulingRules, start: number, end: number): Interval {
  return { start: start - rules.bufferBeforeMs, end: end + rules.bufferAfterMs };
}

/**
 * A service's duration in milliseconds. Throws outside RULE_LIMITS: a duration of zero would
 * stall the slot grid, so it must never reach it.
 */
export function serviceDurationMs(durationMinutes: number): number {
  const { min, max } = RULE_LIMITS.durationMinutes;
  if (!(durationMinutes >= min && durationMinutes <= max)) {
    throw new RangeError(`durationMinutes must be from ${min} to ${max}, not ${durationMinutes}`);
  }
  return durationMinutes * MINUTE_MS;
}

export function slotStepMs(rules: SchedulingRules, durationMs: number): number {
  return rules.slotStepMs ?? durationMs;
}
