import { PRIVACY_MARKER } from '@calldesk/testing';
import { failSafeBusy } from './fail-safe-busy';

const window = { from: Date.parse('2026-03-12T00:00:00Z'), to: Date.parse('2026-03-20T00:00:00Z') };
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const busyOf = (...lines: string[]) =>
  failSafeBusy(
    [
      'BEGIN:VCALENDAR',
      'BEGIN:VEVENT',
      'UID:bad',
      `SUMMARY:${PRIVACY_MARKER}`,
      ...lines,
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n'),
    window,
    'America/New_York',
  ).map((span) => [iso(span.start), iso(span.end)]);

describe('failSafeBusy (an object that cannot be parsed)', () => {
  it('reads a start and an end from their digits, in their TZID, and either way round', () => {
    expect(
      busyOf(
        'DTSTART;TZID=Europe/Paris:2026-03-13T09:00:00',
        'DTEND;TZID=Europe/Paris:2026-03-13T10:30',
        'DURATION:1H',
      ),
    ).toEqual([['2026-03-13T08:00:00Z', '2026-03-13T09:30:00Z']]);
    expect(busyOf('DTSTART:20260313T1000Z', 'DTEND:20260313T0900Z', 'DURATION:1H')).toEqual([
      ['2026-03-13T09:00:00Z', '2026-03-13T10:00:00Z'],
    ]);
  });

  it('keeps a start without a readable end busy to the end of its local day, a date for its whole day', () => {
    expect(busyOf('DTSTART:20260313T1000', 'DTEND:soon')).toEqual([['2026-03-13T14:00:00Z', '2026-03-14T04:00:00Z']]);
    expect(busyOf('DTSTART:20260313', 'RECURRENCE-ID:garbage')).toEqual([
      ['2026-03-13T04:00:00Z', '2026-03-14T04:00:00Z'],
    ]);
  });

  it('keeps a recurring event busy from its start to the end of the window, and one with no readable start the whole window', () => {
    expect(busyOf('DTSTART:20260315T100000Z', 'DURATION:PT1H', 'RRULE:FREQ=FORTNIGHTLY')).toEqual([
      ['2026-03-15T10:00:00Z', '2026-03-20T00:00:00Z'],
    ]);
    expect(busyOf('DTSTART:20250101T100000Z', 'DURATION:PT1H', 'RDATE:someday')).toEqual([
      ['2025-01-01T10:00:00Z', '2026-03-20T00:00:00Z'],
    ]);
    expect(busyOf('DTSTART:tomorrow', 'DURATION:PT1H')).toEqual([['2026-03-12T00:00:00Z', '2026-03-20T00:00:00Z']]);
  });

  it('blocks even what says it is free or cancelled, and leaves out what lies outside the window', () => {
    expect(
      busyOf('DTSTART:20260313T100000Z', 'DURATION:PT1H', 'TRANSP:TRANSPARENT', 'STATUS:CANCELLED', 'RECURRENCE-ID:x'),
    ).toEqual([['2026-03-13T10:00:00Z', '2026-03-13T11:00:00Z']]);
    expect(busyOf('DTSTART:20260401T100000Z', 'DURATION:PT1H')).toEqual([]);
  });
});
