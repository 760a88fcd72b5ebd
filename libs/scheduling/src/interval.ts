/** A half-open span of time [start, end) in epoch milliseconds. */
export interface Interval {
  readonly start: number;
  readonly end: number;
}

/**
 * Sorts, drops empty intervals and coalesces those that overlap or touch, so that [a,b) and [b,c)
 * become [a,c). The result is sorted, disjoint and non-touching.
 */
export function normalize(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter(isNonEmpty).sort(byStart);
  const merged: Interval[] = [];
  for (const next of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && next.start <= last.end) {
      if (next.end > last.end) merged[merged.length - 1] = { start: last.start, end: next.end };
    } else {
      merged.push({ start: next.start, end: next.end });
    }
  }
  return merged;
}

/** The parts of `from` that no interval of `remove` covers. */
export function subtract(from: readonly Interval[], remove: readonly Interval[]): Interval[] {
  const cuts = normalize(remove);
  const result: Interval[] = [];
  let c = 0;
  for (const piece of normalize(from)) {
    let start = piece.start;
    while (c < cuts.length && cuts[c].end <= start) c++;
    for (let k = c; k < cuts.length && cuts[k].start < piece.end; k++) {
      if (cuts[k].start > start) result.push({ start, end: cuts[k].start });
      start = Math.max(start, cuts[k].end);
    }
    if (start < piece.end) result.push({ start, end: piece.end });
  }
  return result;
}

/** The time covered by both `a` and `b`. */
export function intersect(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const left = normalize(a);
  const right = normalize(b);
  const result: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    const start = Math.max(left[i].start, right[j].start);
    const end = Math.min(left[i].end, right[j].end);
    if (start < end) result.push({ start, end });
    if (left[i].end < right[j].end) i++;
    else j++;
  }
  return result;
}

/** The parts of `intervals` inside `window`, normalized. */
export function clip(intervals: readonly Interval[], window: Interval): Interval[] {
  return intersect(intervals, [window]);
}

/** Whether two intervals share any instant; touching intervals and empty ones share none. */
export function overlaps(a: Interval, b: Interval): boolean {
  return a.start < b.end && b.start < a.end && isNonEmpty(a) && isNonEmpty(b);
}

/** Index of the first interval of a sorted, disjoint list that ends after `instant`. */
export function firstEndingAfter(sorted: readonly Interval[], instant: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle].end <= instant) low = middle + 1;
    else high = middle;
  }
  return low;
}

export function byStart(a: Interval, b: Interval): number {
  return a.start - b.start || a.end - b.end;
}

function isNonEmpty(interval: Interval): boolean {
  return interval.start < interval.end;
}
