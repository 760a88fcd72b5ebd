import { withOurEvents } from './connector.handler';

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
