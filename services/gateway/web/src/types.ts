/** The shapes of the API's answers that the pages read (the contract's JSON, as /v1/openapi.json describes it). */

export interface Session {
  tenantId: string;
  email: string;
  csrfToken: string;
  expiresAt: string;
}

export interface Member {
  id: string;
  name: string;
  timeZone: string;
  email?: string;
  phone?: string;
}

export interface Service {
  id: string;
  name: string;
  durationMinutes: number;
  memberIds: string[];
  strategy: string;
}

export type Role = 'booking' | 'blocking' | 'ignored';

export interface CalendarInfo {
  calendarId: string;
  name: string;
  timeZone: string;
  role: Role;
  writable: boolean;
  warnings: string[];
}

export interface Connection {
  id: string;
  provider: string;
  status: 'connected' | 'needs_reauth' | 'disconnected';
  memberId: string;
  calendars: CalendarInfo[];
}

export interface Booking {
  id: string;
  serviceId: string;
  memberId: string;
  start: string;
  end: string;
  status: 'pending' | 'confirmed' | 'cancelled';
  customer: { name: string; phone: string };
  notes?: string;
  cancelReason?: string;
  attention?: string;
}

export interface WeeklyWindow {
  weekday: number;
  start: string;
  end: string;
}

export interface BlockedTime {
  label?: string;
  start?: string;
  end?: string;
  date?: string;
  rrule?: string;
  from?: string;
  to?: string;
  exceptDates?: string[];
}

export interface Rules {
  minimumNoticeMinutes?: number;
  maximumAdvanceDays?: number;
  bufferBeforeMinutes?: number;
  bufferAfterMinutes?: number;
  slotStepMinutes?: number;
}

export interface Profile {
  timeZone: string;
  weeklyHours: WeeklyWindow[];
  overrides: { date: string; windows: { start: string; end: string }[] }[];
  rules: Rules;
  blocked: BlockedTime[];
}
