import type { CaldavConfig } from '../config';
import { CaldavHttp } from './caldav-http';
import { isPublicAddress } from './public-address';
import { zoneOfCalendarTimezone } from '../ical/calendar-zone';

describe('isPublicAddress', () => {
  it('refuses every address that is not on the public internet, IPv4 inside IPv6 included', () => {
    const inside = [
      ['loopback', '127.0.0.1', '127.1.2.3', '::1'],
      ['private', '10.1.2.3', '172.16.0.1', '192.168.1.1'],
      ['link-local and cloud metadata', '169.254.169.254', 'fe80::1'],
      ['carrier-grade NAT', '100.64.0.1', '100.100.100.200'],
      ['unique-local', 'fd00::1', 'fd00:ec2::254', 'fc00::1'],
      ['multicast and broadcast', '224.0.0.1', 'ff02::1', '255.255.255.255'],
      ['unspecified and reserved', '0.0.0.0', '::', '240.0.0.1', '192.0.2.1', '2001:db8::1'],
      ['IPv4-mapped', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:169.254.169.254', '::ffff:10.0.0.1'],
      [
        'NAT64, 6to4, Teredo, IPv4-compatible',
        '64:ff9b::7f00:1',
        '64:ff9b::a9fe:a9fe',
        '2002:7f00:1::1',
        '2001:0:7f00:1::1',
        '::7f00:1',
      ],
      ['not an address', 'localhost', '', '127.0.0.1.nip.io'],
    ];
    for (const [family, ...addresses] of inside) {
      for (const address of addresses)
        expect({ family, address, public: isPublicAddress(address) }).toEqual({ family, address, public: false });
    }
  });

  it('lets public addresses through', () => {
    for (const address of [
      '17.253.144.10',
      '8.8.8.8',
      '172.32.0.1',
      '::ffff:8.8.8.8',
      '2a01:b740::1',
      '2606:4700:4700::1111',
    ]) {
      expect({ address, public: isPublicAddress(address) }).toEqual({ address, public: true });
    }
  });
});

describe('CaldavHttp.checkDestination', () => {
  const http = (allowPrivate: boolean, privateServers: string[] = []) =>
    new CaldavHttp({
      CALDAV_ATTEMPT_TIMEOUT_MS: 1_000,
      CALDAV_BREAKER_FAILURES: 3,
      CALDAV_BREAKER_OPEN_MS: 1_000,
      CALDAV_ALLOW_PRIVATE_NETWORKS: allowPrivate,
      CALDAV_PRIVATE_SERVERS: privateServers,
    } as CaldavConfig);
  const refusal = (message: string) => ({ code: 'invalid_argument', message, details: { field: 'serverUrl' } });
  const hint =
    'a self-hosted server on http:// or a private network needs CALDAV_ALLOW_PRIVATE_NETWORKS=true on the CalDAV connector';

  it('refuses http:// and private addresses by default, naming the setting that allows them', async () => {
    await expect(http(false).checkDestination(new URL('http://17.253.144.10/'))).rejects.toMatchObject(
      refusal(`serverUrl must be an https URL; ${hint}`),
    );
    await expect(http(false).checkDestination(new URL('https://192.168.1.5/dav/'))).rejects.toMatchObject(
      refusal(`serverUrl must name a public server; ${hint}`),
    );
    await expect(http(false).checkDestination(new URL('https://[::ffff:127.0.0.1]:5232/'))).rejects.toMatchObject(
      refusal(`serverUrl must name a public server; ${hint}`),
    );
    await expect(http(false).checkDestination(new URL('https://17.253.144.10/'))).resolves.toBeUndefined();
  });

  it('with CALDAV_ALLOW_PRIVATE_NETWORKS, lets http:// and private addresses through, and still only http(s)', async () => {
    await expect(http(true).checkDestination(new URL('http://192.168.1.5:5232/'))).resolves.toBeUndefined();
    await expect(http(true).checkDestination(new URL('ftp://192.168.1.5/'))).rejects.toMatchObject(
      refusal('serverUrl must be an http or https URL'),
    );
  });

  it('lets the servers CALDAV_PRIVATE_SERVERS names through, and only them', async () => {
    const some = http(false, ['192.168.1.5', 'caldav.office.internal']);
    await expect(some.checkDestination(new URL('http://192.168.1.5:5232/'))).resolves.toBeUndefined();
    await expect(some.checkDestination(new URL('https://CalDAV.office.internal/'))).resolves.toBeUndefined();
    await expect(some.checkDestination(new URL('https://192.168.1.6/'))).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });
});

describe('zoneOfCalendarTimezone', () => {
  it('names the IANA zone of a calendar-timezone, and nothing for a zone it does not know', () => {
    expect(
      zoneOfCalendarTimezone('BEGIN:VCALENDAR\nBEGIN:VTIMEZONE\nTZID:Europe/London\nEND:VTIMEZONE\nEND:VCALENDAR'),
    ).toBe('Europe/London');
    expect(
      zoneOfCalendarTimezone('BEGIN:VTIMEZONE\r\nTZID:/mozilla.org/20050126_1/Europe/Paris\r\nEND:VTIMEZONE'),
    ).toBe('Europe/Paris');
    expect(zoneOfCalendarTimezone('BEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time\r\nEND:VTIMEZONE')).toBe(
      'Europe/Berlin',
    );
    expect(zoneOfCalendarTimezone('BEGIN:VTIMEZONE\r\nTZID:Custom Office Time\r\nEND:VTIMEZONE')).toBeUndefined();
    expect(zoneOfCalendarTimezone(undefined)).toBeUndefined();
  });
});
