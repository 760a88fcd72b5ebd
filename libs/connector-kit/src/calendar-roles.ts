import { RpcError } from '@calldesk/contracts';

/**
 * booking: events are written here and it blocks time; blocking: it only blocks time; ignored:
 * neither. A member has at most one booking calendar (exactly one once connected to a writable one).
 */
export type CalendarRole = 'booking' | 'blocking' | 'ignored';

export interface DiscoveredCalendar {
  /** The provider's own key for the calendar (a URL, a calendar id). */
  key: string;
  writable: boolean;
  /** The provider's primary calendar, where it has one. */
  primary?: boolean;
}

/**
 * The roles after a connect (or reconnect): calendars seen before keep their role (a booking one
 * that became read-only blocks instead); new ones block time; and when the member has no booking
 * calendar, here or at another connection, the primary (else the first writable) becomes it.
 */
export function assignRoles(
  discovered: readonly DiscoveredCalendar[],
  known: ReadonlyMap<string, CalendarRole>,
  memberHasBookingCalendarElsewhere: boolean,
): Map<string, CalendarRole> {
  const roles = new Map<string, CalendarRole>();
  for (const calendar of discovered) {
    const before = known.get(calendar.key);
    roles.set(calendar.key, before === 'booking' && !calendar.writable ? 'blocking' : (before ?? 'blocking'));
  }
  const hasBooking = memberHasBookingCalendarElsewhere || [...roles.values()].includes('booking');
  if (!hasBooking) {
    const writable = discovered.filter((c) => c.writable && roles.get(c.key) !== 'ignored');
    const chosen = writable.find((c) => c.primary) ?? writable[0];
    if (chosen) roles.set(chosen.key, 'booking');
  }
  return roles;
}

export interface MemberCalendarRole {
  calendarId: string;
  role: CalendarRole;
  writable: boolean;
}

/**
 * The role changes that setting `calendarId` to `role` makes among one member's calendars: a new
 * booking calendar must be writable and turns the old one into a blocking calendar; the booking
 * calendar itself changes only by choosing another, so the member always keeps one.
 */
export function changeRole(
  calendars: readonly MemberCalendarRole[],
  calendarId: string,
  role: CalendarRole,
): { calendarId: string; role: CalendarRole }[] {
  const target = calendars.find((c) => c.calendarId === calendarId);
  if (!target) throw RpcError.notFound('calendar', calendarId);
  if (target.role === role) return [];
  if (role === 'booking') {
    if (!target.writable) {
      throw new RpcError(
        'failed_precondition',
        `calendar ${calendarId} is read-only: it cannot be the booking calendar`,
        {
          calendarId,
          reason: 'read_only',
        },
      );
    }
    const demoted = calendars
      .filter((c) => c.role === 'booking')
      .map((c) => ({ calendarId: c.calendarId, role: 'blocking' as const }));
    return [...demoted, { calendarId, role }];
  }
  if (target.role === 'booking') {
    throw new RpcError(
      'failed_precondition',
      `calendar ${calendarId} is the member's booking calendar: choose another booking calendar first`,
      { calendarId, reason: 'booking_calendar_required' },
    );
  }
  return [{ calendarId, role }];
}

export function parseRole(value: string): CalendarRole {
  if (value === 'booking' || value === 'blocking' || value === 'ignored') return value;
  throw new Error(`unknown calendar role ${value}`);
}
