import { toInstants } from './business-hours';
import { byStart, type Interval, overlaps } from './interval';
import { dayOfWall } from './local-time';
import type { CompiledBlock, MemberSchedule } from './profile';
import { recurrenceDays } from './recurrence';
import { DAY_MS, MINUTES_PER_DAY } from './time-units';
import type { ZoneClock } from './zone-clock';

/** Enough for a daily rule over the longest maximum advance (3650 days). */
const MAX_RECURRING_DAYS = 4000;

/**
 * The member's blocked times that share time with `span`, as instants, each block instance on
 * its own (not merged, so that explain can name the one in the way), sorted by start.
 */
export function blockedIntervals(schedule: MemberSchedule, clock: ZoneClock, span: Interval): Interval[] {
  // A recurring window of the day before can run past midnight into span.
  const firstDay = dayOfWall(clock.wallAt(span.start)) - 1;
  const lastDay = dayOfWall(clock.wallAt(span.end)) + 1;
  const found: Interval[] = [];
  for (const block of schedule.blocked) {
    for (const interval of instancesOf(block, clock, firstDay, lastDay)) {
      if (overlaps(interval, span)) found.push(interval);
    }
  }
  return found.sort(byStart);
}

const WHOLE_DAY = { fromMinute: 0, toMinute: MINUTES_PER_DAY };

function instancesOf(block: CompiledBlock, clock: ZoneClock, firstDay: number, lastDay: number): Interval[] {
  switch (block.kind) {
    case 'absolute':
      return [block.interval];
    case 'day':
      return [toInstants(clock, block.day, WHOLE_DAY)];
    case 'recurring': {
      const { days, truncated } = recurrenceDays(block.recurrence, firstDay, lastDay, MAX_RECURRING_DAYS);
      const instances = days
        .filter((day) => !block.exceptDays.has(day))
        .map((day) => toInstants(clock, day, block.window));
      if (truncated) {
        // Past the cap the rule's dates are unknown; offering a slot there could break the
        // block, so the rest of the range counts as blocked.
        const resumeDay = days[days.length - 1] + 1;
        instances.push({ start: clock.instantAt(resumeDay * DAY_MS), end: clock.instantAt((lastDay + 2) * DAY_MS) });
      }
      return instances;
    }
  }
}
