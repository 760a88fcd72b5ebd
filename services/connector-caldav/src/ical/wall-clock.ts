import ICAL from 'ical.js';

/**
 * A wall-clock time (a local date and time with no zone) as the milliseconds its fields would
 * make in UTC: such values order and subtract like the times they stand for, with no zone in the
 * way, as recurrence rules are evaluated (RFC 5545 §3.3.10: in local time).
 */
export type WallClock = number;

export function wallClockOf(time: ICAL.Time): WallClock {
  return Date.UTC(
    time.year,
    time.month - 1,
    time.day,
    time.isDate ? 0 : time.hour,
    time.isDate ? 0 : time.minute,
    time.isDate ? 0 : time.second,
  );
}

/** The iCalendar time of a wall clock, in `zone` (a date when `isDate`). */
export function timeAt(wallClock: WallClock, zone: ICAL.Timezone, isDate: boolean): ICAL.Time {
  const fields = new Date(wallClock);
  const date = { year: fields.getUTCFullYear(), month: fields.getUTCMonth() + 1, day: fields.getUTCDate() };
  if (isDate) return ICAL.Time.fromData({ ...date, isDate: true }, zone);
  return ICAL.Time.fromData(
    {
      ...date,
      hour: fields.getUTCHours(),
      minute: fields.getUTCMinutes(),
      second: fields.getUTCSeconds(),
      isDate: false,
    },
    zone,
  );
}
