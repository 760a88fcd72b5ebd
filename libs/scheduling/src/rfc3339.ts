import { DateTime } from 'luxon';
import { MINUTE_MS } from './time-units';

/** An instant as RFC 3339 with the offset `zone` has then, e.g. "2026-03-09T09:00:00-04:00". */
export function formatInstant(instant: number, zone: string): string {
  const text = DateTime.fromMillis(instant, { zone }).toISO({ suppressMilliseconds: true });
  if (text === null) throw new RangeError(`Cannot format ${instant} in time zone ${zone}`);
  return text;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * RFC 3339 with an offset (or Z) → epoch milliseconds; undefined for anything else, including
 * a local time without an offset, which would name no instant. Fractions below a millisecond
 * are dropped; leap seconds are refused.
 */
export function parseInstant(text: string): number | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const offsetHours = Number(match[10] ?? 0);
  const offsetMinutes = Number(match[11] ?? 0);
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  date.setUTCFullYear(year);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  const milliseconds = match[7] ? Number(`${match[7].slice(1)}00`.slice(0, 3)) : 0;
  const sign = match[9] === '-' ? -1 : 1;
  return date.getTime() + milliseconds - sign * (offsetHours * 60 + offsetMinutes) * MINUTE_MS;
}
