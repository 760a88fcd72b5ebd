import { combine, splitWindow, type CalendarFreeBusy } from './free-busy';

const DAY = 86_400_000;

describe('free/busy windows', () => {
  it('splits a long window into consecutive pieces of at most maxDays', () => {
    expect(splitWindow(0, 150 * DAY, 60)).toEqual([
      { start: 0, end: 60 * DAY },
      { start: 60 * DAY, end: 120 * DAY },
      { start: 120 * DAY, end: 150 * DAY },
    ]);
    expect(splitWindow(0, DAY, 60)).toEqual([{ start: 0, end: DAY }]);
    expect(splitWindow(5, 5, 60)).toEqual([]);
  });

  it('joins windows per calendar across the edge, and keeps a calendar error as an error', () => {
    const first = new Map<string, CalendarFreeBusy>([
      ['a', { busy: [{ start: 50, end: 60 }] }],
      ['b', { busy: [] }],
    ]);
    const second = new Map<string, CalendarFreeBusy>([
      ['a', { busy: [{ start: 60, end: 70 }] }],
      ['b', { error: 'internalError' }],
    ]);
    expect(combine([first, second])).toEqual(
      new Map<string, CalendarFreeBusy>([
        ['a', { busy: [{ start: 50, end: 70 }] }],
        ['b', { error: 'internalError' }],
      ]),
    );
  });
});
