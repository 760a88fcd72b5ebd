import type { MemberAvailability } from './availability';
import { blockedIntervals } from './blocked-times';
import { businessWindows } from './business-hours';
import { byStart, type Interval, overlaps } from './interval';
import { allowedStarts, heldSpan, serviceDurationMs, slotStepMs } from './rules';
import { takenIntervals } from './taken-times';
import { DAY_MS } from './time-units';
import { zoneClock } from './zone-clock';

/** Why a start is not bookable; the names of calendar.v1.ConflictReason. */
export type ConflictReason = 'outside_hours' | 'too_soon' | 'too_far' | 'blocked' | 'slot_taken';

export type Explanation = { bookable: true } | { bookable: false; reason: ConflictReason; interval?: Interval };

/**
 * Whether `start` is bookable and, if not, the first reason in the order outside_hours (a start
 * off the slot grid included), too_soon, too_far, blocked, slot_taken, with the interval
 * responsible:
 * - outside_hours: the window holding the start, else the nearest window within a day, if any;
 * - too_soon, too_far: the starts notice and advance allow, from the interval's start up to and
 *   including its end;
 * - blocked: the blocked-time instance in the way; slot_taken: the busy interval or booking's
 *   held span in the way (the earliest, if several).
 * A start is bookable exactly when bookableStarts would offer it.
 */
export function explainStart(member: MemberAvailability, start: number): Explanation {
  const { schedule } = member;
  const durationMs = serviceDurationMs(member.durationMinutes);
  const stepMs = slotStepMs(schedule.rules, durationMs);
  const held = heldSpan(schedule.rules, start, start + durationMs);
  const clock = zoneClock(schedule.zone, { start: held.start - DAY_MS, end: held.end + DAY_MS });
  const windows = businessWindows(schedule, clock, { start: start - DAY_MS, end: start + DAY_MS });
  if (!windows.some((window) => fitsGrid(window, start, durationMs, stepMs))) {
    return refuse('outside_hours', nearestWindow(windows, start));
  }
  const allowed = allowedStarts(schedule.rules, member.now);
  const horizon = { start: allowed.start, end: allowed.end - 1 };
  if (start < allowed.start) return refuse('too_soon', horizon);
  if (start >= allowed.end) return refuse('too_far', horizon);
  const blocked = blockedIntervals(schedule, clock, held);
  if (blocked.length > 0) return refuse('blocked', blocked[0]);
  const taken = takenIntervals(member)
    .filter((interval) => overlaps(interval, held))
    .sort(byStart);
  if (taken.length > 0) return refuse('slot_taken', taken[0]);
  return { bookable: true };
}

function fitsGrid(window: Interval, start: number, durationMs: number, stepMs: number): boolean {
  return start >= window.start && start + durationMs <= window.end && (start - window.start) % stepMs === 0;
}

function nearestWindow(windows: readonly Interval[], start: number): Interval | undefined {
  let nearest: Interval | undefined;
  let nearestDistance = Infinity;
  for (const window of windows) {
    const distance = Math.max(window.start - start, start - window.end + 1, 0);
    if (distance < nearestDistance) {
      nearest = window;
      nearestDistance = distance;
    }
  }
  return nearest;
}

function refuse(reason: ConflictReason, interval: Interval | undefined): Explanation {
  return interval === undefined ? { bookable: false, reason } : { bookable: false, reason, interval };
}
