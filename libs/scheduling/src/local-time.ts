import { DAY_MS, MINUTES_PER_DAY } from './time-units';

/**
 * Local wall-clock values as plain numbers: a time of day is minutes since local midnight, a
 * date is whole days since 1970-01-01, and a wall time is `day * DAY_MS + minutes * MINUTE_MS`
 * (local time read as if it were UTC). Only a ZoneClock turns them into instants.
 */

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** "HH:MM" → minutes since midnight; "24:00" (the end of the day) only when `endOfDay` allows it. */
export function parseLocalTime(text: string, endOfDay: 'allow-24:00' | 'reject-24:00'): number | undefined {
  if (text === '24:00') return endOfDay === 'allow-24:00' ? MINUTES_PER_DAY : undefined;
  const match = TIME.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

export function formatLocalTime(minutes: number): string {
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** "YYYY-MM-DD" → days since 1970-01-01; undefined unless it names a real calendar date. */
export function parseLocalDate(text: string): number | undefined {
  const match = DATE.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  date.setUTCFullYear(year);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return Math.round(date.getTime() / DAY_MS);
}

export function formatLocalDate(day: number): string {
  const date = new Date(day * DAY_MS);
  return `${String(date.getUTCFullYear()).padStart(4, '0')}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

/** ISO weekday of a local date, Monday = 1 … Sunday = 7. */
export function isoWeekday(day: number): number {
  // 1970-01-01 was a Thursday (ISO 4).
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

/** The local date a wall time falls on. */
export function dayOfWall(wall: number): number {
  return Math.floor(wall / DAY_MS);
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
