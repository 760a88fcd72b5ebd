import { ReadRefused } from '../bounds/read-refused';
import { busyOrFailSafe } from './fail-safe-busy';
import { timesOnly } from './times-only';
import { hasSubDailyZoneRule } from './zone-rules';

const object = (rule: string, observance = 'STANDARD') =>
  [
    'BEGIN:VCALENDAR',
    'BEGIN:VTIMEZONE',
    'TZID:Office Time',
    `BEGIN:${observance}`,
    'DTSTART:19700101T000000',
    rule,
    'TZOFFSETFROM:+0100',
    'TZOFFSETTO:+0200',
    `END:${observance}`,
    'END:VTIMEZONE',
    'BEGIN:VEVENT',
    'UID:a',
    'DTSTART;TZID=Office Time:20260313T090000',
    'DTEND;TZID=Office Time:20260313T100000',
    'RRULE:FREQ=HOURLY;COUNT=2',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');

describe('hasSubDailyZoneRule', () => {
  it.each([
    ['RRULE:FREQ=SECONDLY'],
    ['RRULE:FREQ=MINUTELY;INTERVAL=30'],
    ['RRULE:freq=hourly'],
    ['RRULE:FREQ=DAILY;BYHOUR=1,2'],
    ['RRULE:FREQ=YEARLY;BYMONTH=3;BYMINUTE=0,30'],
  ])('finds %s in an observance', (rule) => {
    expect(hasSubDailyZoneRule(timesOnly(object(rule)))).toBe(true);
    expect(hasSubDailyZoneRule(timesOnly(object(rule, 'DAYLIGHT')))).toBe(true);
  });

  it('lets real zone rules through, and an event recurring hourly is not a zone', () => {
    expect(hasSubDailyZoneRule(timesOnly(object('RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU')))).toBe(false);
    expect(hasSubDailyZoneRule(timesOnly(object('RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;BYHOUR=3')))).toBe(false);
  });

  it('makes its calendar unreadable by name (calendar_too_complex), at once, rather than a guess on the safe side', () => {
    const window = { from: Date.parse('2026-03-12T00:00:00Z'), to: Date.parse('2026-03-20T00:00:00Z') };
    const started = Date.now();
    let thrown: unknown;
    try {
      busyOrFailSafe(object('RRULE:FREQ=SECONDLY'), window, { zone: 'UTC', maxInstances: 1_000 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ReadRefused);
    expect(thrown).toMatchObject({ reason: 'calendar_too_complex' });
    expect(Date.now() - started).toBeLessThan(100);
  });
});
