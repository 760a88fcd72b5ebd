import { readFileSync } from 'node:fs';
import path from 'node:path';

/** In every title, description, location, attendee and comment of the corpus: it must never leave the provider. */
export const PRIVACY_MARKER = 'PRIVATE-MARKER-5f1c';

/** The zone of the calendar the corpus is read from: floating times and all-day events are in it. */
export const CORPUS_ZONE = 'America/New_York';

export interface CorpusCase {
  name: string;
  /** What makes it tricky. */
  about: string;
  /** The object as a calendar app would store it (CRLF line ends). */
  ics: string;
  /** The window asked about, [from, to). */
  from: string;
  to: string;
  /** Exactly the busy intervals the object puts in the window, in order. */
  busy: { start: string; end: string; bookingId?: string }[];
  /** An object our parser cannot read: its busy intervals are the fail-safe reading of it. */
  unreadable?: true;
  /** Real servers that refuse the object or change it as they store it (it is still read in unit tests), and why. */
  skipOn?: Partial<Record<'radicale' | 'xandikos', string>>;
}

/** Read when first used: the .ics files sit beside this source (a build does not copy them). */
function corpusCase(file: string, rest: Omit<CorpusCase, 'ics' | 'name'>): CorpusCase {
  let ics: string | undefined;
  return {
    name: file.replace(/\.ics$/, ''),
    ...rest,
    get ics() {
      ics ??= readFileSync(path.join(__dirname, file), 'utf8').replace(/\r?\n/g, '\r\n');
      return ics;
    },
  };
}

/** Tricky iCalendar objects and the busy time each must produce, in CORPUS_ZONE. */
export const ICS_CORPUS: CorpusCase[] = [
  corpusCase('weekly-dst.ics', {
    about:
      'weekly series across the US DST change (8 March 2026), one instance moved (RECURRENCE-ID), one deleted (EXDATE)',
    from: '2026-02-20T00:00:00Z',
    to: '2026-04-01T00:00:00Z',
    busy: [
      { start: '2026-02-24T14:00:00Z', end: '2026-02-24T15:00:00Z' },
      { start: '2026-03-10T13:00:00Z', end: '2026-03-10T14:00:00Z' },
      { start: '2026-03-18T15:00:00Z', end: '2026-03-18T16:00:00Z' },
      { start: '2026-03-24T13:00:00Z', end: '2026-03-24T14:00:00Z' },
    ],
  }),
  corpusCase('this-and-future.ics', {
    about:
      'an override with RANGE=THISANDFUTURE moves its instance and every later one (4 hours later, 90 minutes long); an earlier instance moved alone stays moved',
    from: '2026-04-01T00:00:00Z',
    to: '2026-05-15T00:00:00Z',
    busy: [
      { start: '2026-04-02T14:00:00Z', end: '2026-04-02T15:00:00Z' },
      { start: '2026-04-10T14:00:00Z', end: '2026-04-10T15:00:00Z' },
      { start: '2026-04-16T18:00:00Z', end: '2026-04-16T19:30:00Z' },
      { start: '2026-04-23T18:00:00Z', end: '2026-04-23T19:30:00Z' },
      { start: '2026-04-30T18:00:00Z', end: '2026-04-30T19:30:00Z' },
      { start: '2026-05-07T18:00:00Z', end: '2026-05-07T19:30:00Z' },
    ],
  }),
  corpusCase('all-day-multi-day.ics', {
    about: 'two whole local days over the DST change: 47 hours, midnight to midnight in the calendar zone',
    from: '2026-03-06T00:00:00Z',
    to: '2026-03-11T00:00:00Z',
    busy: [{ start: '2026-03-07T05:00:00Z', end: '2026-03-09T04:00:00Z' }],
  }),
  corpusCase('transparent.ics', {
    about: 'TRANSP:TRANSPARENT does not block',
    from: '2026-03-05T00:00:00Z',
    to: '2026-03-06T00:00:00Z',
    busy: [],
  }),
  corpusCase('cancelled.ics', {
    about: 'STATUS:CANCELLED does not block',
    from: '2026-03-05T00:00:00Z',
    to: '2026-03-06T00:00:00Z',
    busy: [],
  }),
  corpusCase('cancelled-instance.ics', {
    about: 'a daily series with its middle instance overridden as cancelled',
    from: '2026-03-15T00:00:00Z',
    to: '2026-03-20T00:00:00Z',
    busy: [
      { start: '2026-03-16T10:00:00Z', end: '2026-03-16T11:00:00Z' },
      { start: '2026-03-18T10:00:00Z', end: '2026-03-18T11:00:00Z' },
    ],
  }),
  corpusCase('floating.ics', {
    about: 'a floating time (no zone) is wall-clock time in the calendar zone',
    from: '2026-03-12T00:00:00Z',
    to: '2026-03-13T00:00:00Z',
    busy: [{ start: '2026-03-12T13:00:00Z', end: '2026-03-12T14:30:00Z' }],
  }),
  corpusCase('custom-vtimezone.ics', {
    about: 'a TZID that is no IANA zone, defined by its own VTIMEZONE (UTC−3, DST from the first Sunday of April)',
    from: '2026-03-29T00:00:00Z',
    to: '2026-04-10T00:00:00Z',
    busy: [
      { start: '2026-03-30T13:00:00Z', end: '2026-03-30T14:00:00Z' },
      { start: '2026-04-06T12:00:00Z', end: '2026-04-06T13:00:00Z' },
    ],
  }),
  corpusCase('rdates.ics', {
    about: 'RDATEs in a TZID (two in one line) and in UTC, across the DST change',
    from: '2026-03-01T00:00:00Z',
    to: '2026-03-15T00:00:00Z',
    busy: [
      { start: '2026-03-02T19:00:00Z', end: '2026-03-02T20:00:00Z' },
      { start: '2026-03-04T19:00:00Z', end: '2026-03-04T20:00:00Z' },
      { start: '2026-03-06T21:00:00Z', end: '2026-03-06T22:00:00Z' },
      { start: '2026-03-09T19:00:00Z', end: '2026-03-09T20:00:00Z' },
    ],
  }),
  corpusCase('daily-since-1990.ics', {
    about: 'a weekday series running since 1990 (thousands of instances before the window) with an EXDATE',
    from: '2026-03-06T00:00:00Z',
    to: '2026-03-11T00:00:00Z',
    busy: [
      { start: '2026-03-06T13:00:00Z', end: '2026-03-06T13:30:00Z' },
      { start: '2026-03-09T12:00:00Z', end: '2026-03-09T12:30:00Z' },
    ],
  }),
  corpusCase('icloud-quirks.ics', {
    about: 'iCloud style: folded lines, X-APPLE/X-CALENDARSERVER properties, an alarm, a TZID with no VTIMEZONE',
    from: '2026-04-15T00:00:00Z',
    to: '2026-04-16T00:00:00Z',
    busy: [{ start: '2026-04-15T17:00:00Z', end: '2026-04-15T18:00:00Z' }],
  }),
  corpusCase('tentative-duration.ics', {
    about: 'tentative blocks; DURATION of exact hours across the European DST change',
    from: '2026-03-28T00:00:00Z',
    to: '2026-03-30T00:00:00Z',
    busy: [{ start: '2026-03-28T22:00:00Z', end: '2026-03-29T00:00:00Z' }],
  }),
  corpusCase('ours.ics', {
    about: 'one of our bookings: its busy time carries the booking id',
    from: '2026-04-20T00:00:00Z',
    to: '2026-04-21T00:00:00Z',
    busy: [{ start: '2026-04-20T15:00:00Z', end: '2026-04-20T16:00:00Z', bookingId: 'corpus-booking-1' }],
  }),
  corpusCase('zone-starts-late.ics', {
    about:
      'an IANA TZID whose VTIMEZONE starts in 2030, after the events: the zone database says when Berlin changes (25 October 2026)',
    from: '2026-10-20T00:00:00Z',
    to: '2026-11-01T00:00:00Z',
    busy: [
      { start: '2026-10-22T08:00:00Z', end: '2026-10-22T09:00:00Z' },
      { start: '2026-10-29T09:00:00Z', end: '2026-10-29T10:00:00Z' },
    ],
  }),
  corpusCase('windows-zone.ics', {
    about:
      'Outlook style: a Windows TZID ("Pacific Standard Time") whose VTIMEZONE lists its changes as RDATEs from 2027 on; a daily series across the US DST end (1 November 2026)',
    from: '2026-10-29T00:00:00Z',
    to: '2026-11-04T00:00:00Z',
    busy: [
      { start: '2026-10-30T16:00:00Z', end: '2026-10-30T16:30:00Z' },
      { start: '2026-10-31T16:00:00Z', end: '2026-10-31T16:30:00Z' },
      { start: '2026-11-01T17:00:00Z', end: '2026-11-01T17:30:00Z' },
      { start: '2026-11-02T17:00:00Z', end: '2026-11-02T17:30:00Z' },
    ],
  }),
  corpusCase('custom-zone-starts-late.ics', {
    about:
      "a TZID that names no known zone, whose VTIMEZONE starts in 2030: before its first change it is at that change's TZOFFSETFROM (+01:00), not UTC",
    from: '2026-06-01T00:00:00Z',
    to: '2026-06-02T00:00:00Z',
    busy: [{ start: '2026-06-01T09:00:00Z', end: '2026-06-01T10:00:00Z' }],
  }),
  corpusCase('custom-zone-rdates.ics', {
    about:
      'a custom VTIMEZONE listing its changes as comma-separated RDATEs (summer +02:00, winter +01:00); the event is in June and, by RDATE, in December',
    from: '2026-05-30T00:00:00Z',
    to: '2026-12-05T00:00:00Z',
    busy: [
      { start: '2026-06-01T08:00:00Z', end: '2026-06-01T09:00:00Z' },
      { start: '2026-12-01T09:00:00Z', end: '2026-12-01T10:00:00Z' },
    ],
    skipOn: { radicale: 'Radicale 3.1 keeps only the first change of each RDATE line of a VTIMEZONE' },
  }),
  corpusCase('rdate-period.ics', {
    about:
      "RDATEs with their own PERIOD (start/end in a TZID, start/duration in UTC) last their own period, not the series' hour",
    from: '2026-03-15T00:00:00Z',
    to: '2026-03-22T00:00:00Z',
    busy: [
      { start: '2026-03-16T13:00:00Z', end: '2026-03-16T14:00:00Z' },
      { start: '2026-03-18T18:00:00Z', end: '2026-03-18T20:30:00Z' },
      { start: '2026-03-20T15:00:00Z', end: '2026-03-20T15:45:00Z' },
    ],
    skipOn: { radicale: "Radicale 3.1 answers 400 to an RDATE PERIOD (\"'tuple' object has no attribute 'year'\")" },
  }),
  corpusCase('two-rrules.ics', {
    about:
      'two RRULEs on one event (weekly on Mondays, and the 2nd and 20th of each month): their union, less an EXDATE',
    from: '2026-03-01T00:00:00Z',
    to: '2026-04-05T00:00:00Z',
    busy: [
      { start: '2026-03-02T13:00:00Z', end: '2026-03-02T13:30:00Z' },
      { start: '2026-03-09T12:00:00Z', end: '2026-03-09T12:30:00Z' },
      { start: '2026-03-20T12:00:00Z', end: '2026-03-20T12:30:00Z' },
      { start: '2026-04-02T12:00:00Z', end: '2026-04-02T12:30:00Z' },
    ],
  }),
  corpusCase('end-before-start.ics', {
    about: 'DTEND an hour before DTSTART, daily twice: read on the safe side as busy from the end to the start',
    from: '2026-03-12T00:00:00Z',
    to: '2026-03-14T00:00:00Z',
    busy: [
      { start: '2026-03-12T18:00:00Z', end: '2026-03-12T19:00:00Z' },
      { start: '2026-03-13T18:00:00Z', end: '2026-03-13T19:00:00Z' },
    ],
  }),
  corpusCase('bymonth-unordered.ics', {
    about:
      'monthly on the first Monday with BYMONTH=12,11,1 (not in order) and COUNT=6 across two year ends; the window holds the last three',
    from: '2026-10-01T00:00:00Z',
    to: '2027-02-01T00:00:00Z',
    busy: [
      { start: '2026-11-02T15:00:00Z', end: '2026-11-02T16:00:00Z' },
      { start: '2026-12-07T15:00:00Z', end: '2026-12-07T16:00:00Z' },
      { start: '2027-01-04T15:00:00Z', end: '2027-01-04T16:00:00Z' },
    ],
  }),
  corpusCase('bymonth-count-year-end.ics', {
    about: 'monthly in December and January, COUNT=4 from December 2025: the fourth lands in January 2027',
    from: '2026-12-01T00:00:00Z',
    to: '2027-02-01T00:00:00Z',
    busy: [
      { start: '2026-12-15T14:00:00Z', end: '2026-12-15T15:00:00Z' },
      { start: '2027-01-15T14:00:00Z', end: '2027-01-15T15:00:00Z' },
    ],
  }),
  corpusCase('date-without-value.ics', {
    about: "DTSTART:20190101 without VALUE=DATE, yearly: an all-day event every New Year's Day",
    from: '2025-12-31T00:00:00Z',
    to: '2026-01-03T00:00:00Z',
    busy: [{ start: '2026-01-01T05:00:00Z', end: '2026-01-02T05:00:00Z' }],
  }),
  corpusCase('versions.ics', {
    about:
      'three versions of one series and two of one moved instance in one object: only the highest SEQUENCE, then the latest DTSTAMP, counts',
    from: '2026-03-12T00:00:00Z',
    to: '2026-03-14T00:00:00Z',
    busy: [
      { start: '2026-03-12T18:00:00Z', end: '2026-03-12T19:00:00Z' },
      { start: '2026-03-13T21:00:00Z', end: '2026-03-13T21:30:00Z' },
    ],
    skipOn: {
      radicale:
        'Radicale 3.1 answers 400 to several VEVENTs of one UID without distinct RECURRENCE-IDs ("Multiple main components")',
    },
  }),
  corpusCase('unreadable-duration.ics', {
    about:
      'DURATION:1H (no P, not a duration): the object cannot be parsed, so it is busy from its start to the end of its local day',
    from: '2026-03-12T00:00:00Z',
    to: '2026-03-13T00:00:00Z',
    busy: [{ start: '2026-03-12T17:00:00Z', end: '2026-03-13T04:00:00Z' }],
    unreadable: true,
    skipOn: { radicale: 'Radicale 3.1 stores DURATION:1H as PT1H, which reads' },
  }),
  corpusCase('unreadable-rule.ics', {
    about:
      'an RRULE naming a 13th month (BYMONTH=3,13): the object cannot be parsed, so it is busy from its start to the end of the window',
    from: '2026-03-12T00:00:00Z',
    to: '2026-03-13T00:00:00Z',
    busy: [{ start: '2026-03-12T17:00:00Z', end: '2026-03-13T00:00:00Z' }],
    unreadable: true,
  }),
];
