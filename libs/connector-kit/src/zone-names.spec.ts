import { ianaZoneOf } from './zone-names';

describe('ianaZoneOf', () => {
  it.each([
    ['America/New_York', 'America/New_York'],
    ['"Europe/Berlin"', 'Europe/Berlin'],
    ['/Europe/Berlin', 'Europe/Berlin'],
    ['/mozilla.org/20050126_1/America/New_York', 'America/New_York'],
    ['/softwarestudio.org/Olson_20011030_5/Europe/Paris', 'Europe/Paris'],
    ['Pacific Standard Time', 'America/Los_Angeles'],
    ['pacific standard time', 'America/Los_Angeles'],
    ['"W. Europe Standard Time"', 'Europe/Berlin'],
    ['(UTC-08:00) Pacific Time (US & Canada)', 'America/Los_Angeles'],
    ['(GMT-05:00) Eastern Time (US & Canada)', 'America/New_York'],
  ])('%s is %s', (tzid, zone) => {
    expect(ianaZoneOf(tzid)).toBe(zone);
  });

  it.each([
    'Head Office Time',
    '(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna',
    'Atlantis Standard Time',
    '',
  ])('%s names no zone we know: its VTIMEZONE decides', (tzid) => {
    expect(ianaZoneOf(tzid)).toBeUndefined();
  });
});
