import type ICAL from 'ical.js';
import { Frequency, RRule, type Weekday, type Options } from 'rrule';
import type { WallClock } from './wall-clock';

export interface RuleWalk {
  /** The series' DTSTART. */
  dtstart: WallClock;
  /** The rule's UNTIL in the series' wall clock, if it has one. */
  until?: WallClock;
  /** Roughly where the starts begin to matter: a rule without COUNT may start walking near it. */
  notBefore: WallClock;
  /** No start after it is wanted. */
  notAfter: WallClock;
}

/**
 * Hands `visit` the starts an RRULE makes, in order, from DTSTART (or a whole number of periods
 * later, see fastForward) until one lies past `notAfter` or `visit` answers false. DTSTART itself
 * is handed over only when the rule makes it; when it does not, it still counts as the first of
 * COUNT (RFC 5545 §3.3.10). Answers false, having handed nothing, for a rule it will not walk:
 * one of HOURLY to SECONDLY with BYHOUR, BYMINUTE or BYSECOND.
 *
 * The rule is expanded by rrule (ical.js orders and counts BYMONTH lists wrongly, and its MONTHLY
 * rules with BYMONTH repeat or lose instances), in wall-clock time. rrule keeps looking for a next
 * instance up to the year 9999 however far that is, and loops for ever when a sub-daily INTERVAL
 * steps over every hour, minute or second the rule names: the series is moved by whole 400-year
 * Gregorian cycles (the calendar repeats exactly after one) so that the search ends within 400
 * years of the window, and the second kind is not walked.
 */
export function walkRule(rule: ICAL.Recur, walk: RuleWalk, visit: (start: WallClock) => boolean): boolean {
  const options = rruleOptions(rule);
  if (options.freq > Frequency.DAILY && (rule.parts.BYHOUR || rule.parts.BYMINUTE || rule.parts.BYSECOND)) return false;
  const years = cycleYears(walk.notAfter);
  const from = fastForward(rule, walk);
  const until = walk.until === undefined ? null : new Date(moved(walk.until, years));
  // DTSTART is the first of COUNT whether the rule makes it or not.
  let left = rule.count ?? Infinity;
  new RRule({ ...options, dtstart: new Date(moved(from, years)), until }).all((date) => {
    const start = moved(date.getTime(), -years);
    if (left === rule.count && start !== walk.dtstart) left--;
    if (left-- <= 0 || start > walk.notAfter) return false;
    return visit(start);
  });
  return true;
}

const DAY_MS = 86_400_000;
const CYCLE_YEARS = 400;
const LAST_YEAR = 9999;

function rruleOptions(rule: ICAL.Recur): Partial<Options> & { freq: Frequency } {
  const { parts } = rule;
  return {
    freq: FREQUENCIES[rule.freq],
    interval: rule.interval || 1,
    wkst: RRULE_WEEKDAYS[rule.wkst - 1],
    bymonth: parts.BYMONTH ?? null,
    bymonthday: parts.BYMONTHDAY ?? null,
    byyearday: parts.BYYEARDAY ?? null,
    byweekno: parts.BYWEEKNO ?? null,
    byweekday: parts.BYDAY ? weekdaysOf(parts.BYDAY, rule) : null,
    byhour: parts.BYHOUR ?? null,
    byminute: parts.BYMINUTE ?? null,
    bysecond: parts.BYSECOND ?? null,
    bysetpos: parts.BYSETPOS ?? null,
  };
}

const FREQUENCIES: Record<string, Frequency> = {
  YEARLY: Frequency.YEARLY,
  MONTHLY: Frequency.MONTHLY,
  WEEKLY: Frequency.WEEKLY,
  DAILY: Frequency.DAILY,
  HOURLY: Frequency.HOURLY,
  MINUTELY: Frequency.MINUTELY,
  SECONDLY: Frequency.SECONDLY,
};

/** ical.js numbers weekdays from Sunday = 1; rrule from Monday = 0. */
const RRULE_WEEKDAYS = [RRule.SU, RRule.MO, RRule.TU, RRule.WE, RRule.TH, RRule.FR, RRule.SA];
const WEEKDAY_CODES = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

/**
 * BYDAY's "MO", "1MO", "-1FR" (ical.js has checked the form). rrule reads a list that mixes
 * both kinds, MO,1TU, as Mondays that are also first Tuesdays (none); RFC 5545 as every Monday
 * and the first Tuesday. Where they mix, a plain weekday is given as every numbered one.
 */
function weekdaysOf(byday: string[], rule: ICAL.Recur): Weekday[] {
  const weekdays = byday.map((value) => {
    const [, nth, code] = /^([+-]?\d+)?([A-Z]{2})$/.exec(value.toUpperCase())!;
    return { weekday: RRULE_WEEKDAYS[WEEKDAY_CODES.indexOf(code)], nth: nth ? Number(nth) : undefined };
  });
  const numbered = (rule.freq === 'MONTHLY' || rule.freq === 'YEARLY') && weekdays.some((w) => w.nth !== undefined);
  const most = rule.freq === 'YEARLY' && !rule.parts.BYMONTH ? 53 : 5;
  return weekdays.flatMap(({ weekday, nth }) => {
    if (nth !== undefined) return [weekday.nth(nth)];
    return numbered ? Array.from({ length: most }, (_, i) => weekday.nth(i + 1)) : [weekday];
  });
}

/** Whole 400-year cycles that bring `notAfter` into the last cycle before rrule's year 9999. */
function cycleYears(notAfter: WallClock): number {
  return Math.max(0, Math.floor((LAST_YEAR - new Date(notAfter).getUTCFullYear()) / CYCLE_YEARS)) * CYCLE_YEARS;
}

function moved(wallClock: WallClock, years: number): WallClock {
  const date = new Date(wallClock);
  date.setUTCFullYear(date.getUTCFullYear() + years);
  return date.getTime();
}

/**
 * Starting a daily or weekly rule without COUNT from DTSTART walks every instance since; it is
 * the same series from a later start a whole number of periods on (same wall-clock time, same
 * weekday), so start two periods before `notBefore`. Other rules are walked from DTSTART.
 */
function fastForward(rule: ICAL.Recur, walk: RuleWalk): WallClock {
  const periodDays = rule.freq === 'DAILY' ? 1 : rule.freq === 'WEEKLY' ? 7 : 0;
  if (!periodDays || rule.count) return walk.dtstart;
  const stepMs = periodDays * (rule.interval || 1) * DAY_MS;
  const behind = walk.notBefore - walk.dtstart - 2 * stepMs;
  return behind <= 0 ? walk.dtstart : walk.dtstart + Math.floor(behind / stepMs) * stepMs;
}
