import fc from 'fast-check';
import { RRule } from 'rrule';
import { formatLocalDate, parseLocalDate } from './local-time';
import { parseRecurrence, type Recurrence, recurrenceDays } from './recurrence';
import { DAY_MS } from './time-units';

function rule(text: string): Recurrence {
  const parsed = parseRecurrence(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.recurrence;
}

function dates(text: string, from: string, to: string, limit = 100): string[] {
  return recurrenceDays(rule(text), day(from), day(to), limit).days.map(formatLocalDate);
}

function day(date: string): number {
  return parseLocalDate(date) as number;
}

describe('recurrence', () => {
  it('yields weekdays of a weekly rule', () => {
    expect(dates('FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', '2026-03-06', '2026-03-10')).toEqual([
      '2026-03-06',
      '2026-03-09',
      '2026-03-10',
    ]);
  });

  it('yields a yearly holiday, with or without the RRULE: prefix', () => {
    expect(dates('RRULE:FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25', '2026-01-01', '2028-12-31')).toEqual([
      '2026-12-25',
      '2027-12-25',
      '2028-12-25',
    ]);
    expect(dates('freq=yearly;bymonth=11;byday=4th', '2026-01-01', '2026-12-31')).toEqual(['2026-11-26']);
  });

  it('keeps the phase of INTERVAL from DTSTART however far ahead it is asked', () => {
    const fortnightly = 'DTSTART:20200106\nRRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO';
    expect(dates(fortnightly, '2020-01-01', '2020-01-31')).toEqual(['2020-01-06', '2020-01-20']);
    // 2026-03-09 is 166 weeks after 2020-01-06.
    expect(dates(fortnightly, '2026-03-01', '2026-03-31')).toEqual(['2026-03-09', '2026-03-23']);
  });

  it('infers unnamed days from DTSTART as RFC 5545 does', () => {
    expect(dates('DTSTART:20260115\nRRULE:FREQ=MONTHLY', '2026-01-01', '2026-03-31')).toEqual([
      '2026-01-15',
      '2026-02-15',
      '2026-03-15',
    ]);
    expect(dates('DTSTART:20260311\nRRULE:FREQ=WEEKLY', '2027-01-01', '2027-01-14')).toEqual([
      '2027-01-06',
      '2027-01-13',
    ]);
  });

  it('counts COUNT from DTSTART and includes the UNTIL date', () => {
    expect(dates('DTSTART:20260101\nRRULE:FREQ=DAILY;COUNT=3', '2026-01-02', '2026-01-31')).toEqual([
      '2026-01-02',
      '2026-01-03',
    ]);
    expect(dates('FREQ=DAILY;UNTIL=20260103', '2026-01-01', '2026-01-31')).toEqual([
      '2026-01-01',
      '2026-01-02',
      '2026-01-03',
    ]);
  });

  it('stops at the limit and says so', () => {
    const daily = recurrenceDays(rule('FREQ=DAILY'), day('2026-01-01'), day('2026-12-31'), 10);
    expect(daily.days).toHaveLength(10);
    expect(daily.truncated).toBe(true);
    expect(recurrenceDays(rule('FREQ=DAILY'), day('2026-01-01'), day('2026-01-10'), 10).truncated).toBe(false);
  });

  it.each([
    ['', 'the rule is empty'],
    ['FREQ=HOURLY', 'FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY'],
    ['FREQ=DAILY;BYHOUR=12', 'BYHOUR is not allowed'],
    ['FREQ=DAILY;FOO=1', 'unknown rule part FOO'],
    ['FREQ=WEEKLY', 'must name its days'],
    ['FREQ=YEARLY;BYMONTH=12', 'must name its days'],
    ['FREQ=WEEKLY;INTERVAL=2;BYDAY=MO', 'INTERVAL needs a DTSTART'],
    ['FREQ=DAILY;COUNT=5', 'COUNT needs a DTSTART'],
    ['FREQ=WEEKLY;BYDAY=1MO', 'need FREQ=MONTHLY or YEARLY'],
    ['FREQ=WEEKLY;BYDAY=XX', 'not a weekday'],
    ['FREQ=MONTHLY;BYMONTHDAY=32', 'BYMONTHDAY must list days'],
    ['FREQ=MONTHLY;BYMONTHDAY=0', 'BYMONTHDAY must list days'],
    ['FREQ=DAILY;UNTIL=20260230', 'UNTIL must be a date'],
    ['DTSTART:20260101\nRRULE:FREQ=DAILY;COUNT=2;UNTIL=20260105', 'COUNT and UNTIL'],
    ['DTSTART;TZID=Europe/London:20260101T090000\nRRULE:FREQ=DAILY', 'DTSTART must be a local date'],
    ['FREQ=DAILY;FREQ=DAILY', 'FREQ appears twice'],
    ['FREQ=DAILY\nFREQ=WEEKLY;BYDAY=MO', 'only one RRULE'],
    ['FREQ=MONTHLY;BYSETPOS=1', 'BYSETPOS needs another BY part'],
  ])('refuses %j', (text, message) => {
    const parsed = parseRecurrence(text);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.message).toContain(message);
  });

  it('skipping ahead yields what rrule yields walking from DTSTART', () => {
    const weekday = fc.constantFrom('MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU');
    const rules = fc.oneof(
      fc.tuple(fc.integer({ min: 1, max: 5 })).map(([interval]) => `FREQ=DAILY;INTERVAL=${interval}`),
      fc
        .tuple(
          fc.integer({ min: 1, max: 4 }),
          fc.uniqueArray(weekday, { maxLength: 3 }),
          fc.constantFrom('', ';WKST=SU', ';WKST=WE'),
        )
        .map(
          ([interval, days, weekStart]) =>
            `FREQ=WEEKLY;INTERVAL=${interval}${days.length ? `;BYDAY=${days.join(',')}` : ''}${weekStart}`,
        ),
      fc
        .tuple(
          fc.integer({ min: 1, max: 4 }),
          fc.constantFrom('', ';BYMONTHDAY=31', ';BYMONTHDAY=-1', ';BYDAY=2TU', ';BYDAY=MO,FR;BYSETPOS=-1'),
        )
        .map(([interval, days]) => `FREQ=MONTHLY;INTERVAL=${interval}${days}`),
      fc
        .tuple(
          fc.integer({ min: 1, max: 3 }),
          fc.constantFrom('', ';BYMONTH=2;BYMONTHDAY=29', ';BYWEEKNO=10;BYDAY=MO', ';BYYEARDAY=100'),
        )
        .map(([interval, days]) => `FREQ=YEARLY;INTERVAL=${interval}${days}`),
    );
    fc.assert(
      fc.property(
        rules,
        fc.integer({ min: day('2019-01-01'), max: day('2026-06-30') }),
        fc.integer({ min: day('2026-01-01'), max: day('2029-12-31') }),
        fc.integer({ min: 0, max: 120 }),
        (text, start, first, length) => {
          const dtstart = new Date(start * DAY_MS);
          const naive = new RRule({ ...RRule.parseString(text), dtstart }, true)
            .between(new Date(first * DAY_MS), new Date((first + length) * DAY_MS), true)
            .map((date) => date.getTime() / DAY_MS);
          const startLine = `DTSTART:${formatLocalDate(start).replace(/-/g, '')}`;
          expect(recurrenceDays(rule(`${startLine}\n${text}`), first, first + length, 1000).days).toEqual(naive);
        },
      ),
      { numRuns: 200 },
    );
  });
});
