import { formatInstant, parseInstant } from './rfc3339';

describe('RFC 3339', () => {
  it('formats an instant with the offset of the zone at that instant', () => {
    const instant = Date.parse('2026-03-09T13:00:00Z');
    expect(formatInstant(instant, 'America/New_York')).toBe('2026-03-09T09:00:00-04:00');
    expect(formatInstant(instant, 'Pacific/Chatham')).toBe('2026-03-10T02:45:00+13:45');
    expect(formatInstant(instant, 'Europe/London')).toBe('2026-03-09T13:00:00+00:00');
    expect(formatInstant(instant, 'UTC')).toBe('2026-03-09T13:00:00Z');
    expect(formatInstant(instant + 250, 'Asia/Kolkata')).toBe('2026-03-09T18:30:00.250+05:30');
  });

  it('parses times with an offset or Z', () => {
    expect(parseInstant('2026-03-09T09:00:00-04:00')).toBe(Date.parse('2026-03-09T13:00:00Z'));
    expect(parseInstant('2026-03-10T02:45:00+13:45')).toBe(Date.parse('2026-03-09T13:00:00Z'));
    expect(parseInstant('2026-03-09t13:00:00.5z')).toBe(Date.parse('2026-03-09T13:00:00.500Z'));
    expect(parseInstant('2026-03-09T13:00:00.123456789Z')).toBe(Date.parse('2026-03-09T13:00:00.123Z'));
  });

  it.each([
    '2026-03-09T09:00:00',
    '2026-03-09',
    '2026-03-09T09:00Z',
    '2026-02-30T09:00:00Z',
    '2026-03-09T24:00:00Z',
    '2026-03-09T23:59:60Z',
    '2026-03-09T09:00:00+0400',
    '2026-03-09T09:00:00+24:00',
    ' 2026-03-09T09:00:00Z',
    'tomorrow',
  ])('refuses %j', (text) => {
    expect(parseInstant(text)).toBeUndefined();
  });

  it('round-trips through any zone', () => {
    const instant = Date.parse('2026-10-04T15:45:00Z');
    for (const zone of [
      'America/New_York',
      'Europe/London',
      'Australia/Lord_Howe',
      'Asia/Kolkata',
      'Pacific/Chatham',
    ]) {
      expect(parseInstant(formatInstant(instant, zone))).toBe(instant);
    }
  });
});
