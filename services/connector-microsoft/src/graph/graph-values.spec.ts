import { utcInstant } from './calendar-view';
import { relativeLink } from './graph-client';

describe('Graph values', () => {
  it('reads Graph UTC date-times with seven fractional digits and no offset', () => {
    expect(utcInstant({ dateTime: '2030-01-07T15:00:00.0000000', timeZone: 'UTC' })).toBe(Date.UTC(2030, 0, 7, 15));
    expect(utcInstant({ dateTime: '2030-01-07T15:00:00Z', timeZone: 'UTC' })).toBe(Date.UTC(2030, 0, 7, 15));
    expect(utcInstant(undefined)).toBeUndefined();
  });

  it('turns paging links into paths the client takes, for https Graph and an http fake alike', () => {
    expect(relativeLink('https://graph.microsoft.com/v1.0/me/calendars/A/calendarView?$skip=10')).toBe(
      '/me/calendars/A/calendarView?$skip=10',
    );
    expect(relativeLink('http://127.0.0.1:5000/v1.0/me/calendarView/delta?$deltatoken=x')).toBe(
      '/me/calendarView/delta?$deltatoken=x',
    );
  });
});
