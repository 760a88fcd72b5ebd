import { isKnownZone } from '@calldesk/scheduling';
import { DateTime } from 'luxon';

/** The value formats a field can demand with `(calendar.format)`; each returns a reason or null. */
export const formats: Record<string, (value: string) => string | null> = {
  rfc3339: (value) =>
    RFC3339.test(value) && DateTime.fromISO(value, { setZone: true }).isValid
      ? null
      : 'must be an RFC 3339 time with offset',
  date: (value) =>
    /^\d{4}-\d{2}-\d{2}$/.test(value) && DateTime.fromISO(value).isValid ? null : 'must be a date (YYYY-MM-DD)',
  local_time: (value) => (LOCAL_TIME.test(value) ? null : 'must be a local time (HH:MM, 00:00 to 24:00)'),
  iana_zone: (value) => (isKnownZone(value) ? null : 'must be an IANA time zone (e.g. Europe/London)'),
  e164: (value) => (/^\+[1-9]\d{6,14}$/.test(value) ? null : 'must be an E.164 phone number (e.g. +14155550123)'),
  url: (value) => (isHttpUrl(value) ? null : 'must be an http or https URL'),
  email: (value) =>
    EMAIL.test(value) && value.length <= 254 ? null : 'must be an email address (e.g. owner@example.com)',
};

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;
// One @, a dot in the domain, no spaces: the mailbox itself proves the rest.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const LOCAL_TIME = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
