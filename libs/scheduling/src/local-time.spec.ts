import { formatLocalDate, formatLocalTime, isoWeekday, parseLocalDate, parseLocalTime } from './local-time';

describe('local times and dates', () => {
  it('parses HH:MM, allowing 24:00 only as an end', () => {
    expect(parseLocalTime('09:30', 'reject-24:00')).toBe(570);
    expect(parseLocalTime('24:00', 'allow-24:00')).toBe(1440);
    expect(parseLocalTime('24:00', 'reject-24:00')).toBeUndefined();
    for (const bad of ['9:30', '09:60', '25:00', '0930', '09:30:00', ''])
      expect(parseLocalTime(bad, 'allow-24:00')).toBeUndefined();
    expect(formatLocalTime(570)).toBe('09:30');
  });

  it('parses real calendar dates only', () => {
    expect(parseLocalDate('1970-01-02')).toBe(1);
    expect(formatLocalDate(parseLocalDate('2028-02-29') as number)).toBe('2028-02-29');
    for (const bad of ['2026-02-29', '2026-13-01', '2026-1-01', '26-01-01', '2026-01-01T00:00'])
      expect(parseLocalDate(bad)).toBeUndefined();
  });

  it('numbers weekdays from Monday = 1', () => {
    expect(isoWeekday(parseLocalDate('2026-03-09') as number)).toBe(1);
    expect(isoWeekday(parseLocalDate('2026-03-15') as number)).toBe(7);
    expect(isoWeekday(parseLocalDate('1969-12-31') as number)).toBe(3);
  });
});
