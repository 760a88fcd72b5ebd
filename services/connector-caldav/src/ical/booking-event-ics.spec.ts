import { bookingEventIcs, bookingObjectName, bookingUid } from './booking-event-ics';
import { timesOfSingleEvent } from './expand-busy';
import { timesOnly } from './times-only';

describe('bookingEventIcs', () => {
  const event = {
    bookingId: 'b-123',
    start: Date.parse('2026-12-01T15:00:00Z'),
    end: Date.parse('2026-12-01T16:00:00Z'),
    title: 'Consultation; Ann, +1 415 555 0123',
    description:
      'Notes:\nline two, with a \\ backslash and a very long text that must be folded at seventy-five octets per line',
    sequence: 2,
  };

  it('writes the UID and booking id derived from the booking, times in UTC, text escaped and folded', () => {
    const ics = bookingEventIcs(event);
    expect(ics).toContain('UID:calldesk-b-123\r\n');
    expect(ics).toContain('X-CALLDESK-BOOKING-ID:b-123\r\n');
    expect(ics).toContain('DTSTART:20261201T150000Z\r\n');
    expect(ics).toContain('DTEND:20261201T160000Z\r\n');
    expect(ics).toContain('SUMMARY:Consultation\\; Ann\\, +1 415 555 0123');
    expect(ics).toContain('SEQUENCE:2');
    expect(ics.split('\r\n').every((line) => Buffer.byteLength(line) <= 75)).toBe(true);
  });

  it('reads back as its own times and booking id, with no text left after the filter', () => {
    const ics = bookingEventIcs(event);
    expect(timesOfSingleEvent(ics, 'UTC')).toEqual({ start: event.start, end: event.end, bookingId: 'b-123' });
    expect(timesOnly(ics)).not.toMatch(/Consultation|Notes/);
  });

  it('names the object after the UID', () => {
    expect(bookingUid('b-123')).toBe('calldesk-b-123');
    expect(bookingObjectName('b-123')).toBe('calldesk-b-123.ics');
  });
});
