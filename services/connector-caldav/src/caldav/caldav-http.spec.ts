import type { CaldavConfig } from '../config';
import { CaldavHttp, isPrivateAddress } from './caldav-http';
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

describe('CaldavHttp.checkDestination', () => {
  const http = (allowPrivate: boolean) =>
    new CaldavHttp({ CALDAV_ATTEMPT_TIMEOUT_MS: 1_000, CALDAV_BREAKER_FAILURES: 3, CALDAV_BREAKER_OPEN_MS: 1_000, CALDAV_ALLOW_PRIVATE_NETWORKS: allowPrivate } as CaldavConfig);
  const refusal = (message: string) => ({ code: 'invalid_argument', message, details: { field: 'serverUrl' } });
  const hint = 'a self-hosted server on http:// or a private network needs CALDAV_ALLOW_PRIVATE_NETWORKS=true on the CalDAV connector';

  it('refuses http:// and private addresses by default, naming the setting that allows them', async () => {
    await expect(http(false).checkDestination(new URL('http://17.253.144.10/'))).rejects.toMatchObject(refusal(`serverUrl must be an https URL; ${hint}`));
    await expect(http(false).checkDestination(new URL('https://192.168.1.5/dav/'))).rejects.toMatchObject(refusal(`serverUrl must name a public server; ${hint}`));
    await expect(http(false).checkDestination(new URL('https://17.253.144.10/'))).resolves.toBeUndefined();
  });

  it('with CALDAV_ALLOW_PRIVATE_NETWORKS, lets http:// and private addresses through, and still only http(s)', async () => {
    await expect(http(true).checkDestination(new URL('http://192.168.1.5:5232/'))).resolves.toBeUndefined();
    await expect(http(true).checkDestination(new URL('ftp://192.168.1.5/'))).rejects.toMatchObject(refusal('serverUrl must be an http or https URL'));
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
