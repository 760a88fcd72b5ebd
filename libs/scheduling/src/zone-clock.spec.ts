import { formatInstant, parseInstant } from './rfc3339';
import { DAY_MS, MINUTE_MS } from './time-units';
import { isKnownZone, zoneClock } from './zone-clock';

/** The instant at which `zone` shows the local date-time `local` ("YYYY-MM-DDTHH:MM"). */
function instantOf(zone: string, local: string): string {
  const wall = Date.parse(`${local}:00Z`);
  const clock = zoneClock(zone, { start: wall - DAY_MS, end: wall + DAY_MS });
  return formatInstant(clock.instantAt(wall), zone);
}

describe('zoneClock', () => {
  it.each([
    ['America/New_York', '2026-03-08T02:30', '2026-03-08T03:00:00-04:00'],
    ['America/New_York', '2026-03-08T03:00', '2026-03-08T03:00:00-04:00'],
    ['America/New_York', '2026-11-01T01:30', '2026-11-01T01:30:00-04:00'],
    ['America/New_York', '2026-11-01T02:00', '2026-11-01T02:00:00-05:00'],
    ['Europe/London', '2026-03-29T01:15', '2026-03-29T02:00:00+01:00'],
    ['Europe/London', '2026-10-25T01:00', '2026-10-25T01:00:00+01:00'],
    ['Australia/Lord_Howe', '2026-10-04T02:10', '2026-10-04T02:30:00+11:00'],
    ['Australia/Lord_Howe', '2026-04-05T01:45', '2026-04-05T01:45:00+11:00'],
    ['Pacific/Chatham', '2026-09-27T03:00', '2026-09-27T03:45:00+13:45'],
    ['Pacific/Chatham', '2026-04-05T02:50', '2026-04-05T02:50:00+13:45'],
    ['Asia/Kolkata', '2026-03-08T02:30', '2026-03-08T02:30:00+05:30'],
  ])('in %s, %s happens at %s', (zone, local, expected) => {
    expect(instantOf(zone, local)).toBe(expected);
  });

  it('reads the wall clock at an instant, on both sides of a transition', () => {
    const clock = zoneClock('America/New_York', {
      start: Date.parse('2026-03-01T00:00:00Z'),
      end: Date.parse('2026-03-20T00:00:00Z'),
    });
    const wall = (text: string) => new Date(clock.wallAt(parseInstant(text) as number)).toISOString().slice(0, 16);
    expect(wall('2026-03-08T06:59:00Z')).toBe('2026-03-08T01:59');
    expect(wall('2026-03-08T07:00:00Z')).toBe('2026-03-08T03:00');
  });

  it('answers the same outside the span it was built for', () => {
    const narrow = zoneClock('Europe/London', {
      start: Date.parse('2026-01-10T00:00:00Z'),
      end: Date.parse('2026-01-11T00:00:00Z'),
    });
    const wide = zoneClock('Europe/London', {
      start: Date.parse('2026-01-01T00:00:00Z'),
      end: Date.parse('2026-12-31T00:00:00Z'),
    });
    for (
      let wall = Date.parse('2026-03-28T00:00:00Z');
      wall < Date.parse('2026-03-30T00:00:00Z');
      wall += 15 * MINUTE_MS
    ) {
      expect(narrow.instantAt(wall)).toBe(wide.instantAt(wall));
    }
  });

  it('knows IANA zones and refuses others', () => {
    expect(isKnownZone('Pacific/Chatham')).toBe(true);
    expect(isKnownZone('Mars/Olympus_Mons')).toBe(false);
    expect(() => zoneClock('Mars/Olympus_Mons', { start: 0, end: 1 })).toThrow(RangeError);
  });
});
