import type { Interval } from './interval';
import { dayOfWall, isoWeekday } from './local-time';
import type { LocalSpan, MemberSchedule } from './profile';
import { DAY_MS, MINUTE_MS } from './time-units';
import type { ZoneClock } from './zone-clock';

/**
 * The member's business-hours windows that share time with `span`, as instants, sorted by start.
 * Each window stays whole and separate (the slot grid starts at each window's start, and a slot
 * must fit in one window), and belongs to the local date it starts on, so an overnight window of
 * 22:00–02:00 runs into the next date even when that date is closed by an override.
 */
export function businessWindows(schedule: MemberSchedule, clock: ZoneClock, span: Interval): Interval[] {
  // A window of the day before can spill into span; a fall-back can put a window of the next
  // local date's early hours before span.end.
  const firstDay = dayOfWall(clock.wallAt(span.start)) - 1;
  const lastDay = dayOfWall(clock.wallAt(span.end)) + 1;
  const windows: Interval[] = [];
  for (let day = firstDay; day <= lastDay; day++) {
    for (const local of windowsOn(schedule, day)) {
      const window = toInstants(clock, day, local);
      if (window.start < window.end && window.start < span.end && window.end > span.start) windows.push(window);
    }
  }
  return windows.sort((a, b) => a.start - b.start || a.end - b.end);
}

/** A local window of `day` as instants; zero-length if a spring-forward gap swallows it. */
export function toInstants(clock: ZoneClock, day: number, local: LocalSpan): Interval {
  const midnight = day * DAY_MS;
  return {
    start: clock.instantAt(midnight + local.fromMinute * MINUTE_MS),
    end: clock.instantAt(midnight + local.toMinute * MINUTE_MS),
  };
}

function windowsOn(schedule: MemberSchedule, day: number): readonly LocalSpan[] {
  return schedule.overrides.get(day) ?? schedule.weekly[isoWeekday(day)];
}
