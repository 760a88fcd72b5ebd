import { Frequency, type Options, RRule } from 'rrule';
import { isoWeekday } from './local-time';
import { DAY_MS } from './time-units';

/**
 * A recurrence of local dates. rrule runs in floating mode: a local date is handed to it as
 * midnight UTC of the same calendar date, and what comes back is read the same way; zones are
 * applied afterwards by the caller, because rrule's own TZID handling is unreliable.
 */
export interface Recurrence {
  readonly frequency: Frequency;
  readonly interval: number;
  /** The first date the rule may yield (DTSTART), or 1970-01-01 when the rule names none. */
  readonly startDay: number;
  /** COUNT counts from DTSTART, so such a rule cannot skip ahead. */
  readonly counted: boolean;
  /** Monday = 0 … Sunday = 6, as rrule counts. */
  readonly weekStart: number;
  /** Options for rrule without dtstart; parts rrule would infer from DTSTART are filled in. */
  readonly options: Partial<Options>;
}

export type RecurrenceParse = { ok: true; recurrence: Recurrence } | { ok: false; message: string };

/**
 * Parses an RRULE (RFC 5545), optionally preceded by a line `DTSTART:YYYYMMDD`. Stricter than
 * RFC 5545 where the looser form would be a trap: only DAILY to YEARLY (the time of day comes from
 * the block's window), and a rule without DTSTART must name its days and may not use INTERVAL or
 * COUNT, since both would silently depend on an arbitrary start date.
 */
export function parseRecurrence(text: string): RecurrenceParse {
  let startDay: number | undefined;
  let rule: string | undefined;
  for (const line of text.split(/\r?\n/).map((each) => each.trim().toUpperCase())) {
    if (line === '') continue;
    if (line.startsWith('DTSTART')) {
      if (startDay !== undefined) return fail('DTSTART appears twice');
      startDay = parseDtstart(line);
      if (startDay === undefined) return fail('DTSTART must be a local date, e.g. DTSTART:20260105');
    } else {
      if (rule !== undefined) return fail('only one RRULE is allowed');
      rule = line.replace(/^RRULE:/, '');
    }
  }
  if (rule === undefined) return fail('the rule is empty');
  const parts = splitParts(rule);
  if (typeof parts === 'string') return fail(parts);
  const problem = checkParts(parts, startDay !== undefined);
  if (problem !== undefined) return fail(problem);
  const options = RRule.parseString(rule);
  const recurrence: Recurrence = {
    frequency: FREQUENCIES[parts.get('FREQ') as FrequencyName],
    interval: Number(parts.get('INTERVAL') ?? 1),
    startDay: startDay ?? 0,
    counted: parts.has('COUNT'),
    weekStart: WEEKDAYS.indexOf(parts.get('WKST') ?? 'MO'),
    options: withInferredDays(options, startDay ?? 0),
  };
  return { ok: true, recurrence };
}

/**
 * The local dates in [firstDay, lastDay] the rule yields, at most `limit` of them;
 * `truncated` says there were more.
 */
export function recurrenceDays(
  recurrence: Recurrence,
  firstDay: number,
  lastDay: number,
  limit: number,
): { days: number[]; truncated: boolean } {
  const dtstart = new Date(skipAhead(recurrence, firstDay) * DAY_MS);
  const rule = new RRule({ ...recurrence.options, dtstart }, true);
  const dates = rule.between(
    new Date(firstDay * DAY_MS),
    new Date(lastDay * DAY_MS),
    true,
    (_, found) => found <= limit,
  );
  const days = dates.slice(0, limit).map((date) => Math.floor(date.getTime() / DAY_MS));
  return { days, truncated: dates.length > limit };
}

type FrequencyName = 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';
const FREQUENCIES: Record<FrequencyName, Frequency> = {
  DAILY: Frequency.DAILY,
  WEEKLY: Frequency.WEEKLY,
  MONTHLY: Frequency.MONTHLY,
  YEARLY: Frequency.YEARLY,
};
const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
const DAY_NAMING_PARTS = ['BYDAY', 'BYMONTHDAY', 'BYYEARDAY', 'BYWEEKNO'];

type PartCheck = (value: string, frequency: string) => string | undefined;

const PART_CHECKS: Record<string, PartCheck> = {
  FREQ: (value) => (value in FREQUENCIES ? undefined : 'FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY'),
  INTERVAL: (value) => (isIntegerIn(value, 1, 1000) ? undefined : 'INTERVAL must be 1..1000'),
  COUNT: (value) => (isIntegerIn(value, 1, 10_000) ? undefined : 'COUNT must be 1..10000'),
  UNTIL: (value) => (isRuleDate(value) ? undefined : 'UNTIL must be a date such as 20261231 or 20261231T235959Z'),
  WKST: (value) => (WEEKDAYS.includes(value) ? undefined : 'WKST must be a weekday such as MO'),
  BYMONTH: listOf(1, 12, 'BYMONTH must list months 1..12', false),
  BYMONTHDAY: (value, frequency) =>
    frequency === 'WEEKLY'
      ? 'BYMONTHDAY does not go with FREQ=WEEKLY'
      : listOf(1, 31, 'BYMONTHDAY must list days ±1..31', true)(value, frequency),
  BYYEARDAY: onlyYearly('BYYEARDAY', listOf(1, 366, 'BYYEARDAY must list days ±1..366', true)),
  BYWEEKNO: onlyYearly('BYWEEKNO', listOf(1, 53, 'BYWEEKNO must list weeks ±1..53', true)),
  BYSETPOS: listOf(1, 366, 'BYSETPOS must list positions ±1..366', true),
  BYDAY: checkByDay,
};

function checkParts(parts: Map<string, string>, hasStart: boolean): string | undefined {
  const frequency = parts.get('FREQ');
  if (frequency === undefined) return 'FREQ is required';
  for (const [name, value] of parts) {
    if (name === 'BYHOUR' || name === 'BYMINUTE' || name === 'BYSECOND') {
      return `${name} is not allowed: the time of day comes from the block's "from" and "to"`;
    }
    const check = PART_CHECKS[name];
    if (check === undefined) return `unknown rule part ${name}`;
    const problem = check(value, frequency);
    if (problem !== undefined) return problem;
  }
  if (parts.has('COUNT') && parts.has('UNTIL')) return 'COUNT and UNTIL cannot both be given';
  if (parts.has('BYSETPOS') && ![...parts.keys()].some((name) => name.startsWith('BY') && name !== 'BYSETPOS')) {
    return 'BYSETPOS needs another BY part to select from';
  }
  if (!hasStart) {
    if (Number(parts.get('INTERVAL') ?? 1) > 1) return 'INTERVAL needs a DTSTART line to count from';
    if (parts.has('COUNT')) return 'COUNT needs a DTSTART line to count from';
    if (frequency !== 'DAILY' && !DAY_NAMING_PARTS.some((name) => parts.has(name))) {
      return `FREQ=${frequency} without DTSTART must name its days (BYDAY, BYMONTHDAY, BYYEARDAY or BYWEEKNO)`;
    }
  }
  return undefined;
}

function checkByDay(value: string, frequency: string): string | undefined {
  for (const item of value.split(',')) {
    const match = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(item);
    if (!match) return `BYDAY item "${item}" is not a weekday such as MO or 1MO`;
    if (match[1] === undefined) continue;
    if (frequency !== 'MONTHLY' && frequency !== 'YEARLY')
      return 'BYDAY positions such as 1MO need FREQ=MONTHLY or YEARLY';
    const position = Math.abs(Number(match[1]));
    if (position < 1 || position > 53) return `BYDAY position in "${item}" must be ±1..53`;
  }
  return undefined;
}

function listOf(low: number, high: number, message: string, signed: boolean): PartCheck {
  return (value) => {
    const valid = value.split(',').every((item) => {
      const magnitude = signed ? item.replace(/^[+-]/, '') : item;
      return isIntegerIn(magnitude, low, high);
    });
    return valid ? undefined : message;
  };
}

function onlyYearly(name: string, check: PartCheck): PartCheck {
  return (value, frequency) => (frequency === 'YEARLY' ? check(value, frequency) : `${name} needs FREQ=YEARLY`);
}

function isIntegerIn(text: string, low: number, high: number): boolean {
  if (!/^\d{1,6}$/.test(text)) return false;
  const value = Number(text);
  return value >= low && value <= high;
}

function isRuleDate(text: string): boolean {
  const match = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$/.exec(text);
  return (
    match !== null && dayOfRuleDate(match) !== undefined && Number(match[4] ?? 0) < 24 && Number(match[5] ?? 0) < 60
  );
}

function parseDtstart(line: string): number | undefined {
  const match = /^DTSTART(?:;VALUE=DATE(?:-TIME)?)?:(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2}))?$/.exec(line);
  return match ? dayOfRuleDate(match) : undefined;
}

function dayOfRuleDate(match: RegExpExecArray): number | undefined {
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return date.getTime() / DAY_MS;
}

function splitParts(rule: string): Map<string, string> | string {
  const parts = new Map<string, string>();
  for (const part of rule.split(';')) {
    const match = /^([A-Z]+)=([A-Z0-9,+-]+)$/.exec(part);
    if (!match) return `"${part}" is not NAME=VALUE`;
    if (parts.has(match[1])) return `${match[1]} appears twice`;
    parts.set(match[1], match[2]);
  }
  return parts;
}

/**
 * rrule fills unnamed days from DTSTART (a weekly rule repeats DTSTART's weekday, and so on).
 * Doing that here, once, lets recurrenceDays move the start date forward without changing them.
 */
function withInferredDays(options: Partial<Options>, startDay: number): Partial<Options> {
  if (options.byweekno || options.byyearday || options.bymonthday || options.byweekday) return options;
  const start = new Date(startDay * DAY_MS);
  switch (options.freq) {
    case Frequency.YEARLY:
      return { ...options, bymonth: options.bymonth ?? start.getUTCMonth() + 1, bymonthday: start.getUTCDate() };
    case Frequency.MONTHLY:
      return { ...options, bymonthday: start.getUTCDate() };
    case Frequency.WEEKLY:
      return { ...options, byweekday: [isoWeekday(startDay) - 1] };
    default:
      return options;
  }
}

/**
 * rrule walks every period from DTSTART, so an old start date makes every expansion slower.
 * Start instead at the latest whole period (day, week, month or year, in step with INTERVAL)
 * beginning on or before `day`; whole periods keep BYSETPOS and week numbering intact.
 */
function skipAhead(recurrence: Recurrence, day: number): number {
  if (recurrence.counted) return recurrence.startDay;
  const first = periodOf(recurrence, recurrence.startDay);
  const skipped = Math.floor((periodOf(recurrence, day) - first) / recurrence.interval) * recurrence.interval;
  return skipped > 0 ? periodStart(recurrence, first + skipped) : recurrence.startDay;
}

function periodOf(recurrence: Recurrence, day: number): number {
  const date = new Date(day * DAY_MS);
  switch (recurrence.frequency) {
    case Frequency.YEARLY:
      return date.getUTCFullYear();
    case Frequency.MONTHLY:
      return date.getUTCFullYear() * 12 + date.getUTCMonth();
    case Frequency.WEEKLY:
      // Day -3 (1969-12-29) was a Monday.
      return Math.floor((day + 3 - recurrence.weekStart) / 7);
    default:
      return day;
  }
}

function periodStart(recurrence: Recurrence, period: number): number {
  switch (recurrence.frequency) {
    case Frequency.YEARLY:
      return Date.UTC(period, 0, 1) / DAY_MS;
    case Frequency.MONTHLY:
      return Date.UTC(Math.floor(period / 12), period % 12, 1) / DAY_MS;
    case Frequency.WEEKLY:
      return period * 7 - 3 + recurrence.weekStart;
    default:
      return period;
  }
}

function fail(message: string): RecurrenceParse {
  return { ok: false, message };
}
