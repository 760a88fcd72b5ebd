/** The API's codes in the owner's words. */

export const PROVIDER_NAMES: Record<string, string> = {
  google: 'Google Calendar',
  microsoft: 'Outlook',
  caldav: 'Apple Calendar / CalDAV',
  apple: 'Apple Calendar',
};

export const ROLE_NAMES: Record<string, string> = {
  booking: 'Booking — appointments go here, and it blocks time',
  blocking: 'Blocking — only blocks time',
  ignored: 'Ignored',
};

const WARNINGS: Record<string, string> = {
  time_zone_differs: 'this calendar’s time zone is not the team member’s',
  calendar_too_large: 'this calendar is too large to read',
  calendar_too_complex: 'this calendar’s events are too complex to read',
  server_too_slow: 'the calendar server answers too slowly',
  server_not_public: 'the calendar server is not on the public internet',
};

export function warningText(code: string): string {
  return WARNINGS[code] ?? code.replace(/_/g, ' ');
}

/** Warnings that mean the calendar cannot be read: the connection is in error, not just noted. */
export function isReadError(code: string): boolean {
  return code !== 'time_zone_differs';
}

const ATTENTION: Record<string, string> = {
  moved_in_calendar_over_another_booking: 'it was moved in your calendar onto another appointment',
};

export function attentionText(code: string): string {
  return ATTENTION[code] ?? code.replace(/_/g, ' ');
}
