import { isPrivateAddress } from './caldav-http';
import { zoneOfCalendarTimezone } from '../ical/calendar-zone';

describe('isPrivateAddress', () => {
  it('refuses loopback, private, link-local and unique-local addresses', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:10.0.0.1']) {
      expect({ address, private: isPrivateAddress(address) }).toEqual({ address, private: true });
    }
  });

  it('lets public addresses through', () => {
    for (const address of ['17.253.144.10', '8.8.8.8', '172.32.0.1', '2a01:b740::1']) {
      expect({ address, private: isPrivateAddress(address) }).toEqual({ address, private: false });
    }
  });
});

describe('zoneOfCalendarTimezone', () => {
  it('names the IANA zone of a calendar-timezone, and nothing for a zone it does not know', () => {
    expect(zoneOfCalendarTimezone('BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:Europe/London\nEND:VTIMEZONE\nEND:VCALENDAR')).toBe('Europe/London');
    expect(zoneOfCalendarTimezone('BEGIN:VTIMEZONE\r\nTZID:/mozilla.org/20050126_1/Europe/Paris\r\nEND:VTIMEZONE')).toBeUndefined();
    expect(zoneOfCalendarTimezone('BEGIN:VTIMEZONE\r\nTZID:Custom Office Time\r\nEND:VTIMEZONE')).toBeUndefined();
    expect(zoneOfCalendarTimezone(undefined)).toBeUndefined();
  });
});
