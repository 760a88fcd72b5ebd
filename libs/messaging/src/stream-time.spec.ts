import { microsOf } from './stream-time';

describe('microsOf', () => {
  it('reads a JetStream time to the microsecond, whatever its number of fraction digits', () => {
    const second = Date.parse('2026-12-03T07:47:12Z') * 1_000;
    expect(microsOf('2026-12-03T07:47:12.424882170Z')).toBe(second + 424_882);
    expect(microsOf('2026-12-03T07:47:12.42488217Z')).toBe(second + 424_882);
    expect(microsOf('2026-12-03T07:47:12.4Z')).toBe(second + 400_000);
    expect(microsOf('2026-12-03T07:47:12Z')).toBe(second);
  });
});
