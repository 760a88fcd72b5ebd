import { businessWindows } from './business-hours';
import { compileProfile } from './compile-profile';
import type { AvailabilityProfile, MemberSchedule } from './profile';
import { formatInstant } from './rfc3339';
import { DEFAULT_RULES } from './rules';
import { zoneClock } from './zone-clock';

function schedule(
  zone: string,
  weeklyHours: AvailabilityProfile['weeklyHours'],
  overrides: AvailabilityProfile['overrides'] = [],
): MemberSchedule {
  return compileProfile({ timeZone: zone, weeklyHours, overrides, rules: DEFAULT_RULES, blocked: [] });
}

function windows(member: MemberSchedule, from: string, to: string): string[] {
  const span = { start: Date.parse(from), end: Date.parse(to) };
  return businessWindows(member, zoneClock(member.zone, span), span).map(
    (window) => `${formatInstant(window.start, member.zone)}/${formatInstant(window.end, member.zone)}`,
  );
}

describe('businessWindows', () => {
  it('expands weekly windows of each local date, sorted, keeping touching windows apart', () => {
    const member = schedule('Asia/Kolkata', [
      { weekday: 2, start: '13:00', end: '17:00' },
      { weekday: 2, start: '09:00', end: '13:00' },
    ]);
    expect(windows(member, '2026-03-09T00:00:00+05:30', '2026-03-12T00:00:00+05:30')).toEqual([
      '2026-03-10T09:00:00+05:30/2026-03-10T13:00:00+05:30',
      '2026-03-10T13:00:00+05:30/2026-03-10T17:00:00+05:30',
    ]);
  });

  it('keeps an overnight window whole, also when the next date is closed, and includes it from the day before the span', () => {
    const member = schedule(
      'Europe/London',
      [{ weekday: 5, start: '22:00', end: '02:00' }],
      [{ date: '2026-03-14', windows: [] }],
    );
    expect(windows(member, '2026-03-14T01:00:00Z', '2026-03-14T12:00:00Z')).toEqual([
      '2026-03-13T22:00:00+00:00/2026-03-14T02:00:00+00:00',
    ]);
  });

  it('lets an override replace the weekly windows of its date', () => {
    const member = schedule(
      'America/New_York',
      [{ weekday: 2, start: '09:00', end: '17:00' }],
      [{ date: '2026-03-10', windows: [{ start: '07:00', end: '08:00' }] }],
    );
    expect(windows(member, '2026-03-10T00:00:00-04:00', '2026-03-11T00:00:00-04:00')).toEqual([
      '2026-03-10T07:00:00-04:00/2026-03-10T08:00:00-04:00',
    ]);
  });

  it('keeps wall-clock hours across a transition, and drops a window that lies wholly in the gap', () => {
    const member = schedule('America/New_York', [
      { weekday: 7, start: '02:00', end: '02:30' },
      { weekday: 7, start: '00:00', end: '24:00' },
    ]);
    expect(windows(member, '2026-03-08T00:00:00-05:00', '2026-03-09T00:00:00-04:00')).toEqual([
      '2026-03-08T00:00:00-05:00/2026-03-09T00:00:00-04:00',
    ]);
  });
});
