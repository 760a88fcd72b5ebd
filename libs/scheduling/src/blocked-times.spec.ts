import { blockedIntervals } from './blocked-times';
import { compileProfile } from './compile-profile';
import type { BlockedTime, MemberSchedule } from './profile';
import { formatInstant } from './rfc3339';
import { DEFAULT_RULES } from './rules';
import { DAY_MS } from './time-units';
import { zoneClock } from './zone-clock';

const ZONE = 'America/New_York';

function schedule(blocked: BlockedTime[]): MemberSchedule {
  return compileProfile({ timeZone: ZONE, weeklyHours: [], overrides: [], rules: DEFAULT_RULES, blocked });
}

function blocked(member: MemberSchedule, from: string, to: string): string[] {
  const span = { start: Date.parse(from), end: Date.parse(to) };
  return blockedIntervals(member, zoneClock(ZONE, span), span).map(
    (interval) => `${formatInstant(interval.start, ZONE)}/${formatInstant(interval.end, ZONE)}`,
  );
}

describe('blockedIntervals', () => {
  it('lists each instance sharing time with the span, sorted and unmerged', () => {
    const member = schedule([
      { rrule: 'FREQ=DAILY', from: '12:00', to: '13:00' },
      { start: '2026-03-10T12:30:00-04:00', end: '2026-03-10T14:00:00-04:00' },
      { start: '2026-04-10T12:30:00-04:00', end: '2026-04-10T14:00:00-04:00' },
    ]);
    expect(blocked(member, '2026-03-10T00:00:00-04:00', '2026-03-11T12:00:00-04:00')).toEqual([
      '2026-03-10T12:00:00-04:00/2026-03-10T13:00:00-04:00',
      '2026-03-10T12:30:00-04:00/2026-03-10T14:00:00-04:00',
    ]);
  });

  it('blocks a whole local day, 23 hours long on a spring-forward day', () => {
    expect(blocked(schedule([{ date: '2026-03-08' }]), '2026-03-01T00:00:00Z', '2026-03-31T00:00:00Z')).toEqual([
      '2026-03-08T00:00:00-05:00/2026-03-09T00:00:00-04:00',
    ]);
  });

  it('includes an overnight recurring window that began the day before the span, and skips exception dates', () => {
    const member = schedule([
      { rrule: 'FREQ=WEEKLY;BYDAY=MO,TU', from: '22:00', to: '06:00', exceptDates: ['2026-03-10'] },
    ]);
    expect(blocked(member, '2026-03-10T03:00:00-04:00', '2026-03-11T12:00:00-04:00')).toEqual([
      '2026-03-09T22:00:00-04:00/2026-03-10T06:00:00-04:00',
    ]);
  });

  it('blocks the rest of the span once a rule yields more dates than it may expand', () => {
    const member = schedule([{ rrule: 'FREQ=DAILY', from: '12:00', to: '13:00' }]);
    const span = { start: Date.parse('2026-01-01T00:00:00Z'), end: Date.parse('2026-01-01T00:00:00Z') + 4100 * DAY_MS };
    const intervals = blockedIntervals(member, zoneClock(ZONE, span), span);
    expect(intervals[intervals.length - 1].end).toBeGreaterThanOrEqual(span.end);
  });
});
