import { parseLocalDate, parseLocalTime } from './local-time';
import type {
  AvailabilityProfile,
  BlockedTime,
  CompiledBlock,
  LocalSpan,
  LocalWindow,
  MemberSchedule,
} from './profile';
import { parseRecurrence } from './recurrence';
import { parseInstant } from './rfc3339';
import { compileRules } from './rules';
import { MINUTES_PER_DAY } from './time-units';
import { isKnownZone } from './zone-clock';

/**
 * Turns a profile that validateProfile accepted into the numbers slot generation works on. Worth
 * caching per member: it parses every time, date and rule once. Throws on a profile that was
 * never validated.
 */
export function compileProfile(profile: AvailabilityProfile): MemberSchedule {
  if (!isKnownZone(profile.timeZone)) throw invalid('timeZone', profile.timeZone);
  const weekly: LocalSpan[][] = [[], [], [], [], [], [], [], []];
  for (const window of profile.weeklyHours) {
    if (!(window.weekday >= 1 && window.weekday <= 7)) throw invalid('weekday', String(window.weekday));
    weekly[window.weekday].push(localSpan(window.start, window.end));
  }
  const overrides = new Map<number, LocalSpan[]>();
  for (const override of profile.overrides) {
    overrides.set(
      localDate(override.date),
      override.windows.map((window: LocalWindow) => localSpan(window.start, window.end)),
    );
  }
  return {
    zone: profile.timeZone,
    weekly,
    overrides,
    rules: compileRules(profile.rules),
    blocked: profile.blocked.map(compileBlock),
  };
}

/** A local window; an end at or before the start means it ends the next day. */
export function localSpan(start: string, end: string): LocalSpan {
  const fromMinute = parseLocalTime(start, 'reject-24:00');
  const endMinute = parseLocalTime(end, 'allow-24:00');
  if (fromMinute === undefined) throw invalid('local time', start);
  if (endMinute === undefined || endMinute === fromMinute) throw invalid('local time', end);
  return { fromMinute, toMinute: endMinute < fromMinute ? endMinute + MINUTES_PER_DAY : endMinute };
}

function compileBlock(block: BlockedTime): CompiledBlock {
  if ('rrule' in block) {
    const parsed = parseRecurrence(block.rrule);
    if (!parsed.ok) throw invalid('rrule', block.rrule);
    return {
      kind: 'recurring',
      recurrence: parsed.recurrence,
      window: localSpan(block.from, block.to),
      exceptDays: new Set((block.exceptDates ?? []).map(localDate)),
    };
  }
  if ('date' in block) return { kind: 'day', day: localDate(block.date) };
  const start = parseInstant(block.start);
  const end = parseInstant(block.end);
  if (start === undefined || end === undefined) throw invalid('blocked interval', `${block.start}/${block.end}`);
  return { kind: 'absolute', interval: { start, end } };
}

function localDate(text: string): number {
  const day = parseLocalDate(text);
  if (day === undefined) throw invalid('date', text);
  return day;
}

function invalid(what: string, value: string): Error {
  return new Error(`Invalid ${what} "${value}" in an availability profile; validateProfile it first`);
}
