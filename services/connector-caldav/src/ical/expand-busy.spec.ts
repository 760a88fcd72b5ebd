import { CORPUS_ZONE, ICS_CORPUS, PRIVACY_MARKER } from '@calldesk/testing';
import { DateTime } from 'luxon';
import { busyOfObject, timesOfSingleEvent } from './expand-busy';
import { busyOrFailSafe } from './fail-safe-busy';
import { timesOnly } from './times-only';

const window = (from: string, to: string) => ({ from: Date.parse(from), to: Date.parse(to) });
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const options = { zone: CORPUS_ZONE, maxInstances: 10_000 };

describe('busyOfObject', () => {
  it.each(ICS_CORPUS.map((c) => [c.name, c] as const))('%s: exactly its busy intervals', (_name, corpusCase) => {
    const { busy, capped, unreadable } = busyOrFailSafe(
      corpusCase.ics,
      window(corpusCase.from, corpusCase.to),
      options,
    );
    expect(unreadable).toBe(corpusCase.unreadable ?? false);
    expect(
      busy.map((b) => ({ start: iso(b.start), end: iso(b.end), ...(b.bookingId ? { bookingId: b.bookingId } : {}) })),
    ).toEqual(
      corpusCase.busy.map((b) => ({ ...b, start: b.start.replace('.000Z', 'Z'), end: b.end.replace('.000Z', 'Z') })),
    );
    expect(capped).toBe(false);
  });

  it('keeps nothing but times: the marker in every text field is gone before parsing', () => {
    for (const corpusCase of ICS_CORPUS) {
      const kept = timesOnly(corpusCase.ics);
      expect(kept).not.toContain(PRIVACY_MARKER);
      expect(kept.toLowerCase()).not.toContain(PRIVACY_MARKER.toLowerCase());
      expect(kept).not.toMatch(/SUMMARY|DESCRIPTION|LOCATION|ATTENDEE|ORGANIZER|COMMENT|VALARM|X-APPLE/);
    }
  });

  it('clips nothing but leaves out instances outside the window', () => {
    const weekly = ICS_CORPUS.find((c) => c.name === 'weekly-dst')!;
    const { busy } = busyOfObject(weekly.ics, window('2026-03-10T13:30:00Z', '2026-03-18T15:30:00Z'), options);
    expect(busy.map((b) => iso(b.start))).toEqual(['2026-03-10T13:00:00Z', '2026-03-18T15:00:00Z']);
  });

  it('reads floating times and all-day events in the calendar zone it is given', () => {
    const floating = ICS_CORPUS.find((c) => c.name === 'floating')!;
    const { busy } = busyOfObject(floating.ics, window(floating.from, floating.to), {
      ...options,
      zone: 'Europe/London',
    });
    expect(busy.map((b) => [iso(b.start), iso(b.end)])).toEqual([['2026-03-12T09:00:00Z', '2026-03-12T10:30:00Z']]);
  });

  it('caps a series too dense to expand and counts the rest of the window as busy', () => {
    const ics = [
      'BEGIN:VCALENDAR',
      'BEGIN:VEVENT',
      'UID:dense',
      'DTSTART:20260101T000000Z',
      'DURATION:PT1S',
      'RRULE:FREQ=MINUTELY',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    const started = Date.now();
    const result = busyOfObject(ics, window('2026-03-01T00:00:00Z', '2026-03-02T00:00:00Z'), {
      ...options,
      maxInstances: 1_000,
    });
    expect(result.capped).toBe(true);
    expect(result.busy.at(-1)).toMatchObject({ end: Date.parse('2026-03-02T00:00:00Z') });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('frees every later instance of a series made free from one instance on (RANGE=THISANDFUTURE), and moves them earlier too', () => {
    const series = (override: string[]) =>
      [
        'BEGIN:VCALENDAR',
        'BEGIN:VEVENT',
        'UID:daily',
        'DTSTART:20260601T150000Z',
        'DTEND:20260601T160000Z',
        'RRULE:FREQ=DAILY;COUNT=5',
        'END:VEVENT',
        'BEGIN:VEVENT',
        'UID:daily',
        'RECURRENCE-ID;RANGE=THISANDFUTURE:20260603T150000Z',
        ...override,
        'END:VEVENT',
        'END:VCALENDAR',
        '',
      ].join('\r\n');
    const starts = (ics: string, from: string, to: string) =>
      busyOfObject(ics, window(from, to), options).busy.map((b) => [iso(b.start), iso(b.end)]);
    const freed = series(['DTSTART:20260603T150000Z', 'DTEND:20260603T160000Z', 'TRANSP:TRANSPARENT']);
    expect(starts(freed, '2026-06-01T00:00:00Z', '2026-06-10T00:00:00Z')).toEqual([
      ['2026-06-01T15:00:00Z', '2026-06-01T16:00:00Z'],
      ['2026-06-02T15:00:00Z', '2026-06-02T16:00:00Z'],
    ]);
    // Two days earlier from the 3rd on: the 5th lands on the 3rd, inside a window that ends before the 4th.
    const earlier = series(['DTSTART:20260601T090000Z', 'DTEND:20260601T093000Z']);
    expect(starts(earlier, '2026-06-03T00:00:00Z', '2026-06-04T00:00:00Z')).toEqual([
      ['2026-06-03T09:00:00Z', '2026-06-03T09:30:00Z'],
    ]);
  });

  it('drops duplicate lines and unknown parameters, and keeps quoted TZIDs', () => {
    const ics = [
      'BEGIN:VCALENDAR',
      'BEGIN:VEVENT',
      'UID:dup',
      'DTSTART;X-SECRET=PRIVATE-MARKER-5f1c;TZID="Europe/Paris":20260601T100000',
      'DTSTART;X-SECRET=PRIVATE-MARKER-5f1c;TZID="Europe/Paris":20260601T100000',
      'DTEND;TZID="Europe/Paris":20260601T110000',
      'EXDATE:20260101T000000Z',
      'EXDATE:20260101T000000Z',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    const kept = timesOnly(ics);
    expect(kept).not.toContain(PRIVACY_MARKER);
    expect(kept.match(/DTSTART/g)).toHaveLength(1);
    expect(kept.match(/EXDATE/g)).toHaveLength(1);
    const { busy } = busyOfObject(ics, window('2026-06-01T00:00:00Z', '2026-06-02T00:00:00Z'), options);
    expect(busy.map((b) => iso(b.start))).toEqual(['2026-06-01T08:00:00Z']);
  });

  it('reads a zone it knows by name from the zone database, not from the object’s VTIMEZONE of that name', () => {
    const ics = [
      'BEGIN:VCALENDAR',
      'BEGIN:VTIMEZONE',
      'TZID:Europe/Berlin',
      'BEGIN:STANDARD',
      'DTSTART:19700101T000000',
      'TZOFFSETFROM:+0500',
      'TZOFFSETTO:+0500',
      'END:STANDARD',
      'END:VTIMEZONE',
      'BEGIN:VEVENT',
      'UID:own-zone',
      'DTSTART;TZID=Europe/Berlin:20260601T100000',
      'DTEND;TZID=Europe/Berlin:20260601T110000',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    const { busy } = busyOfObject(ics, window('2026-06-01T00:00:00Z', '2026-06-02T00:00:00Z'), options);
    // Berlin is UTC+2 in June, whatever the object's definition says (+5).
    expect(busy.map((b) => iso(b.start))).toEqual(['2026-06-01T08:00:00Z']);
  });
});

describe('timesOfSingleEvent', () => {
  it('counts a cancelled event as gone, and one made free as where it is', () => {
    const ours = ICS_CORPUS.find((c) => c.name === 'ours')!;
    expect(timesOfSingleEvent(ours.ics.replace('END:VEVENT', 'STATUS:CANCELLED\r\nEND:VEVENT'), 'UTC')).toBeUndefined();
    expect(timesOfSingleEvent(ours.ics.replace('END:VEVENT', 'TRANSP:TRANSPARENT\r\nEND:VEVENT'), 'UTC')).toMatchObject(
      { bookingId: 'corpus-booking-1' },
    );
  });

  it('reads our own event with its booking id', () => {
    const ours = ICS_CORPUS.find((c) => c.name === 'ours')!;
    expect(timesOfSingleEvent(ours.ics, 'UTC')).toEqual({
      start: Date.parse('2026-04-20T15:00:00Z'),
      end: Date.parse('2026-04-20T16:00:00Z'),
      bookingId: 'corpus-booking-1',
    });
  });
});

describe('fast-forwarded rules', () => {
  // The same instances as walking the rule from DTSTART, whatever the rule's period and weekdays.
  const rules = [
    ['DTSTART:20150105T090000Z', 'FREQ=DAILY;INTERVAL=3'],
    ['DTSTART;TZID=America/New_York:20150105T090000', 'FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH'],
    ['DTSTART;TZID=Europe/Berlin:20150103T230000', 'FREQ=WEEKLY;BYDAY=SA,SU;WKST=SU'],
    ['DTSTART;VALUE=DATE:20150101', 'FREQ=DAILY;INTERVAL=5;UNTIL=20270101'],
  ] as const;
  it.each(rules)('%s %s', (dtstart, rrule) => {
    const ics = [
      'BEGIN:VCALENDAR',
      'BEGIN:VEVENT',
      'UID:ff',
      dtstart,
      'DURATION:PT30M',
      `RRULE:${rrule}`,
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    const from = Date.parse('2026-03-01T00:00:00Z');
    const to = Date.parse('2026-04-15T00:00:00Z');
    const fast = busyOfObject(ics, { from, to }, options).busy.map((b) => b.start);
    const ICAL = jest.requireActual('ical.js').default ?? jest.requireActual('ical.js');
    const event = new ICAL.Component(ICAL.parse(ics)).getFirstSubcomponent('vevent');
    const iterator = event.getFirstPropertyValue('rrule').iterator(event.getFirstPropertyValue('dtstart'));
    const walked: number[] = [];
    for (let next = iterator.next(); next; next = iterator.next()) {
      const zone = next.isDate ? CORPUS_ZONE : (/TZID=([^:]+)/.exec(dtstart)?.[1] ?? 'UTC');
      const start = DateTime.fromObject(
        {
          year: next.year,
          month: next.month,
          day: next.day,
          hour: next.hour,
          minute: next.minute,
          second: next.second,
        },
        { zone },
      ).toMillis();
      if (start >= to) break;
      const end = next.isDate ? start + 86_400_000 : start + 30 * 60_000;
      if (end > from) walked.push(start);
    }
    expect(fast.length).toBeGreaterThan(3);
    expect(fast).toEqual(walked);
  });
});
