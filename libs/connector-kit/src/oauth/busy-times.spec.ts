import { busyWithOurEvents, mergeSpans, withOurEvents } from './busy-times';

const t = (hour: number) => Date.UTC(2030, 0, 7, hour);
const iso = (hour: number) => new Date(t(hour)).toISOString();

describe('withOurEvents', () => {
  it('cuts our events out of merged busy blocks and gives them back marked with their booking', () => {
    // Google merged a foreign 9–10 and our 10–11 into one block 9–11; and a foreign 13–14.
    const busy = withOurEvents(
      [
        { start: t(9), end: t(11) },
        { start: t(13), end: t(14) },
      ],
      [{ bookingId: 'b1', start: new Date(t(10)), end: new Date(t(11)) }],
    );
    expect(busy).toEqual([
      { start: iso(9), end: iso(10) },
      { start: iso(10), end: iso(11), bookingId: 'b1' },
      { start: iso(13), end: iso(14) },
    ]);
  });

  it('leaves busy time untouched when none of it is ours', () => {
    expect(withOurEvents([{ start: t(9), end: t(10) }], [])).toEqual([{ start: iso(9), end: iso(10) }]);
  });
});

describe('busyWithOurEvents', () => {
  const ours = [
    { bookingId: 'b1', eventId: 'e1', start: new Date(t(10)), end: new Date(t(11)) },
    { bookingId: 'b2', eventId: 'e2', start: new Date(t(12)), end: new Date(t(13)) },
  ];

  it('marks events read by id with their booking only where we put them', () => {
    const busy = busyWithOurEvents(
      {
        events: [
          { eventId: 'x', start: t(9), end: t(10) },
          { eventId: 'e1', start: t(10), end: t(11) },
          // The owner moved our e2: it blocks where it is now, as anyone's event would.
          { eventId: 'e2', start: t(14), end: t(15) },
        ],
      },
      ours,
    );
    expect(busy).toEqual([
      { start: iso(9), end: iso(10) },
      { start: iso(10), end: iso(11), bookingId: 'b1' },
      { start: iso(14), end: iso(15) },
    ]);
  });

  it('cuts our events out of merged spans', () => {
    expect(busyWithOurEvents({ spans: [{ start: t(9), end: t(11) }] }, ours.slice(0, 1))).toEqual([
      { start: iso(9), end: iso(10) },
      { start: iso(10), end: iso(11), bookingId: 'b1' },
    ]);
  });
});

describe('mergeSpans', () => {
  it('merges overlapping and touching spans', () => {
    expect(
      mergeSpans([
        { start: 5, end: 7 },
        { start: 1, end: 3 },
        { start: 3, end: 4 },
        { start: 6, end: 9 },
      ]),
    ).toEqual([
      { start: 1, end: 4 },
      { start: 5, end: 9 },
    ]);
  });
});
