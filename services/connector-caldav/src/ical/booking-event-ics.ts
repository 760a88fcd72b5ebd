import ICAL from 'ical.js';

export interface BookingEventText {
  bookingId: string;
  /** Epoch milliseconds. */
  start: number;
  end: number;
  title?: string;
  description?: string;
  sequence: number;
}

/** The UID of a booking's event: derived from the booking id, so a retried create finds the first. */
export function bookingUid(bookingId: string): string {
  return `calldesk-${bookingId}`;
}

/** The object name under the calendar: `<uid>.ics` (tsdav and iCloud expect .ics names). */
export function bookingObjectName(bookingId: string): string {
  return `${encodeURIComponent(bookingUid(bookingId))}.ics`;
}

/**
 * A booking's event as iCalendar text: times in UTC, the booking id in X-CALLDESK-BOOKING-ID,
 * opaque and confirmed. Title and description pass through to the calendar and nowhere else.
 */
export function bookingEventIcs(event: BookingEventText): string {
  const calendar = new ICAL.Component(['vcalendar', [], []]);
  calendar.updatePropertyWithValue('prodid', '-//CallDesk//Calendar//EN');
  calendar.updatePropertyWithValue('version', '2.0');
  const vevent = new ICAL.Component('vevent');
  vevent.updatePropertyWithValue('uid', bookingUid(event.bookingId));
  vevent.updatePropertyWithValue('dtstamp', utc(Date.now()));
  vevent.updatePropertyWithValue('dtstart', utc(event.start));
  vevent.updatePropertyWithValue('dtend', utc(event.end));
  vevent.updatePropertyWithValue('sequence', event.sequence);
  vevent.updatePropertyWithValue('status', 'CONFIRMED');
  vevent.updatePropertyWithValue('transp', 'OPAQUE');
  if (event.title) vevent.updatePropertyWithValue('summary', event.title);
  if (event.description) vevent.updatePropertyWithValue('description', event.description);
  vevent.updatePropertyWithValue('x-calldesk-booking-id', event.bookingId);
  calendar.addSubcomponent(vevent);
  return `${calendar.toString()}\r\n`;
}

function utc(ms: number): ICAL.Time {
  return ICAL.Time.fromJSDate(new Date(Math.floor(ms / 1_000) * 1_000), true);
}
