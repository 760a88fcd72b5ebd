import fc from 'fast-check';
import { clip, firstEndingAfter, intersect, type Interval, normalize, overlaps, subtract } from './interval';

const span = (start: number, end: number): Interval => ({ start, end });

describe('interval algebra', () => {
  it('merges overlapping and touching intervals, drops empty ones, and sorts', () => {
    expect(normalize([span(5, 7), span(1, 3), span(3, 4), span(6, 9), span(10, 10), span(12, 11)])).toEqual([
      span(1, 4),
      span(5, 9),
    ]);
  });

  it('subtracts, leaving the pieces on either side', () => {
    expect(subtract([span(0, 10), span(20, 30)], [span(2, 4), span(8, 22), span(29, 40)])).toEqual([
      span(0, 2),
      span(4, 8),
      span(22, 29),
    ]);
  });

  it('intersects', () => {
    expect(intersect([span(0, 10), span(20, 30)], [span(5, 25)])).toEqual([span(5, 10), span(20, 25)]);
  });

  it('clips to a window', () => {
    expect(clip([span(0, 3), span(4, 8), span(9, 12)], span(2, 10))).toEqual([span(2, 3), span(4, 8), span(9, 10)]);
  });

  it('does not count touching or empty intervals as overlapping', () => {
    expect(overlaps(span(0, 5), span(5, 9))).toBe(false);
    expect(overlaps(span(0, 5), span(4, 9))).toBe(true);
    expect(overlaps(span(3, 3), span(0, 9))).toBe(false);
  });

  it('finds the first interval that ends after an instant', () => {
    const sorted = [span(0, 2), span(4, 6), span(8, 10)];
    expect([0, 2, 3, 6, 9, 10].map((instant) => firstEndingAfter(sorted, instant))).toEqual([0, 1, 1, 2, 2, 3]);
  });

  describe('agrees with sets of points', () => {
    const DOMAIN = 40;
    const intervals = fc.array(
      fc.tuple(fc.integer({ min: 0, max: DOMAIN }), fc.integer({ min: 0, max: DOMAIN })).map(([a, b]) => span(a, b)),
      { maxLength: 8 },
    );
    const points = (list: readonly Interval[]) =>
      Array.from({ length: DOMAIN }, (_, point) =>
        list.some((interval) => interval.start <= point && point < interval.end),
      );
    const isCanonical = (list: readonly Interval[]) =>
      list.every((interval, i) => interval.start < interval.end && (i === 0 || list[i - 1].end < interval.start));

    it('normalize keeps the points and is canonical', () => {
      fc.assert(
        fc.property(intervals, (list) => {
          const merged = normalize(list);
          expect(points(merged)).toEqual(points(list));
          expect(isCanonical(merged)).toBe(true);
        }),
      );
    });

    it('subtract and intersect are set difference and intersection', () => {
      fc.assert(
        fc.property(intervals, intervals, (a, b) => {
          const [pa, pb] = [points(a), points(b)];
          const difference = subtract(a, b);
          const common = intersect(a, b);
          expect(points(difference)).toEqual(pa.map((inA, i) => inA && !pb[i]));
          expect(points(common)).toEqual(pa.map((inA, i) => inA && pb[i]));
          expect(isCanonical(difference) && isCanonical(common)).toBe(true);
        }),
      );
    });

    it('overlaps means sharing a point', () => {
      fc.assert(
        fc.property(intervals, intervals, (a, b) => {
          fc.pre(a.length > 0 && b.length > 0);
          const [pa, pb] = [points([a[0]]), points([b[0]])];
          expect(overlaps(a[0], b[0])).toBe(pa.some((inA, i) => inA && pb[i]));
        }),
      );
    });
  });
});
