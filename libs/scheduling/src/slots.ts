import type { MemberAvailability } from './availability';
import { blockedIntervals } from './blocked-times';
import { businessWindows } from './business-hours';
import { firstEndingAfter, type Interval, normalize } from './interval';
import { allowedStarts, serviceDurationMs, slotStepMs } from './rules';
import { takenIntervals } from './taken-times';
import { zoneClock } from './zone-clock';

/**
 * Every bookable start in [range.start, range.end), ascending: DESIGN §3 for one member. A start
 * is bookable when the appointment fits in one business-hours window on that window's slot grid,
 * notice and advance allow it, and its held span (appointment plus buffers, which may reach
 * outside hours) meets no busy time, blocked time or other booking's held span.
 */
export function bookableStarts(member: MemberAvailability, range: Interval): number[] {
  const { schedule } = member;
  const { bufferBeforeMs, bufferAfterMs } = schedule.rules;
  const durationMs = serviceDurationMs(member.durationMinutes);
  const allowed = allowedStarts(schedule.rules, member.now);
  const starts = { start: Math.max(range.start, allowed.start), end: Math.min(range.end, allowed.end) };
  if (starts.start >= starts.end) return [];
  const held = { start: starts.start - bufferBeforeMs, end: starts.end + durationMs + bufferAfterMs };
  const clock = zoneClock(schedule.zone, held);
  const grid: Grid = {
    starts,
    durationMs,
    stepMs: slotStepMs(schedule.rules, durationMs),
    bufferBeforeMs,
    bufferAfterMs,
  };
  // One merged, sorted list of everything in the way lets each window be swept in a single pass.
  const obstacles = normalize([...takenIntervals(member), ...blockedIntervals(schedule, clock, held)]);
  const found: number[] = [];
  for (const window of businessWindows(schedule, clock, starts)) collectFreeStarts(window, grid, obstacles, found);
  // Validated profiles have disjoint windows, so this only reorders if windows overlap.
  return found.sort((a, b) => a - b).filter((start, i) => i === 0 || start !== found[i - 1]);
}

interface Grid {
  /** Where starts may fall. */
  starts: Interval;
  durationMs: number;
  stepMs: number;
  bufferBeforeMs: number;
  bufferAfterMs: number;
}

/**
 * Walks the grid of one window alongside the obstacles. When a held span meets an obstacle the
 * walk jumps to the first grid start whose held span begins at or after the obstacle's end.
 */
function collectFreeStarts(window: Interval, grid: Grid, obstacles: readonly Interval[], found: number[]): void {
  const { starts, durationMs, stepMs, bufferBeforeMs, bufferAfterMs } = grid;
  let step = Math.max(0, Math.ceil((starts.start - window.start) / stepMs));
  let next = firstEndingAfter(obstacles, window.start + step * stepMs - bufferBeforeMs);
  for (;;) {
    const start = window.start + step * stepMs;
    if (start + durationMs > window.end || start >= starts.end) return;
    const heldStart = start - bufferBeforeMs;
    while (next < obstacles.length && obstacles[next].end <= heldStart) next++;
    const obstacle = obstacles[next];
    if (obstacle !== undefined && obstacle.start < start + durationMs + bufferAfterMs) {
      step = Math.max(step + 1, Math.ceil((obstacle.end + bufferBeforeMs - window.start) / stepMs));
    } else {
      found.push(start);
      step++;
    }
  }
}
