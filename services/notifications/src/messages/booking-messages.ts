import { DateTime } from 'luxon';

export type BookingChange = 'confirmed' | 'rescheduled' | 'cancelled' | 'flagged';

export interface BookingFacts {
  change: BookingChange;
  bookingId: string;
  start: string;
  serviceName: string;
  memberName: string;
  customerName: string;
  customerPhone: string;
  /** The member's zone: times are said as the business says them. */
  timeZone: string;
  cancelReason?: string;
  attention?: string;
}

/** The customer's text, or none (a flag is the owner's business). */
export function customerText(facts: BookingFacts): string | undefined {
  const when = spoken(facts.start, facts.timeZone);
  const ref = `Ref ${facts.bookingId.slice(0, 8)}.`;
  switch (facts.change) {
    case 'confirmed':
      return `Your ${facts.serviceName} with ${facts.memberName} is confirmed for ${when}. ${ref}`;
    case 'rescheduled':
      return `Your ${facts.serviceName} with ${facts.memberName} has moved to ${when}. ${ref}`;
    case 'cancelled':
      return `Your ${facts.serviceName} with ${facts.memberName} on ${when} is cancelled. ${ref}`;
    case 'flagged':
      return undefined;
  }
}

/** The owner's notice: a subject for mail, and the text for either channel. */
export function ownerNotice(facts: BookingFacts): { subject: string; text: string } {
  const when = spoken(facts.start, facts.timeZone);
  const who = `${facts.customerName} (${facts.customerPhone})`;
  switch (facts.change) {
    case 'confirmed':
      return {
        subject: `New booking: ${facts.serviceName}, ${when}`,
        text: `New booking: ${facts.serviceName} with ${who}, ${when}.`,
      };
    case 'rescheduled':
      return {
        subject: `Booking moved: ${facts.serviceName}, ${when}`,
        text: `${facts.serviceName} with ${who} is now ${when}.`,
      };
    case 'cancelled': {
      const why =
        facts.cancelReason === 'deleted_in_calendar' ? ' because its event was deleted from your calendar' : '';
      return {
        subject: `Booking cancelled: ${facts.serviceName}, ${when}`,
        text: `${facts.serviceName} with ${who} on ${when} was cancelled${why}.`,
      };
    }
    case 'flagged':
      return {
        subject: `Please check a booking: ${facts.serviceName}, ${when}`,
        text: `${facts.serviceName} with ${who} on ${when} needs your attention (${(facts.attention ?? 'unknown').replace(/_/g, ' ')}).`,
      };
  }
}

/** The owner's notice that a calendar connection stopped working. */
export function reauthNotice(provider: string): { subject: string; text: string } {
  const name = { google: 'Google', microsoft: 'Outlook', caldav: 'CalDAV', apple: 'iCloud' }[provider] ?? provider;
  return {
    subject: `Reconnect your ${name} calendar`,
    text: `Your ${name} calendar connection has stopped working, so no new bookings can be made with you. Please reconnect it.`,
  };
}

function spoken(start: string, timeZone: string): string {
  return DateTime.fromISO(start, { zone: timeZone }).toFormat("ccc d LLL 'at' h:mm a ZZZZ");
}
