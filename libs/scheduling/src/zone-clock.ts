import { IANAZone } from 'luxon';
import type { Interval } from './interval';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './time-units';

/** Converts between instants and wall times (see local-time.ts) in one IANA zone. */
export interface ZoneClock {
  readonly zone: string;
  /** The wall time shown by a clock in the zone at `instant`. */
  wallAt(instant: number): number;
  /**
   * The instant at which the zone's clocks show `wall`. A wall time skipped by a spring-forward
   * gap maps to the first instant after the gap; one repeated by a fall-back maps to its earlier
   * occurrence (the larger offset).
   */
  instantAt(wall: number): number;
}

/**
 * A clock for `zone` that answers from a table of the zone's offsets around `span` (a couple of
 * days either side included); outside it, it asks the time zone database directly.
 */
export function zoneClock(zone: string, span: Interval): ZoneClock {
  const iana = IANAZone.create(zone);
  if (!iana.isValid) throw new RangeError(`Unknown time zone: ${zone}`);
  return new OffsetTable(iana, span);
}

/**
 * Whether the time zone database knows `zone`. Asking it builds a formatter (tens of
 * microseconds), and every request names a zone, so names found are remembered; unknown ones are
 * not, as anyone can send any string.
 */
export function isKnownZone(zone: string): boolean {
  if (knownZones.has(zone)) return true;
  if (!IANAZone.isValidZone(zone)) return false;
  if (knownZones.size < MAX_REMEMBERED_ZONES) knownZones.add(zone);
  return true;
}

const knownZones = new Set<string>();
// Some 600 zones and their aliases, in the spellings callers actually use; letter-case variants are
// not worth remembering without bound.
const MAX_REMEMBERED_ZONES = 5_000;

// Asking the time zone database costs microseconds per call, so the table samples it sparsely and
// bisects only where the offset changed. A week between samples is safe because no zone changes
// its offset twice within a week (Morocco's Ramadan pauses, the closest, last about a month).
const SAMPLE_MS = 7 * DAY_MS;
const MARGIN_MS = 3 * DAY_MS;
// Every real offset lies within ±15 hours, so a wall time's instant lies within 15 hours of it.
const OFFSET_REACH_MS = 15 * HOUR_MS;

class OffsetTable implements ZoneClock {
  readonly zone: string;
  private readonly low: number;
  private readonly high: number;
  /** Instants from which `offsets[i]` applies; `changes[0]` is the table's start. */
  private readonly changes: number[] = [];
  private readonly offsets: number[] = [];

  constructor(
    private readonly iana: IANAZone,
    span: Interval,
  ) {
    this.zone = iana.name;
    this.low = floorToMinute(span.start - MARGIN_MS);
    this.high = floorToMinute(span.end + MARGIN_MS);
    let sampledAt = this.low;
    let offset = this.askDatabase(sampledAt);
    this.changes.push(sampledAt);
    this.offsets.push(offset);
    while (sampledAt < this.high) {
      const next = Math.min(sampledAt + SAMPLE_MS, this.high);
      const nextOffset = this.askDatabase(next);
      if (nextOffset !== offset) {
        this.changes.push(this.firstChange(sampledAt, next, (t) => this.askDatabase(t)));
        this.offsets.push(nextOffset);
        offset = nextOffset;
      }
      sampledAt = next;
    }
  }

  wallAt(instant: number): number {
    return instant + this.offsetAt(instant);
  }

  instantAt(wall: number): number {
    const before = this.offsetAt(wall - OFFSET_REACH_MS);
    const after = this.offsetAt(wall + OFFSET_REACH_MS);
    const earlier = wall - Math.max(before, after);
    const later = wall - Math.min(before, after);
    if (this.offsetAt(earlier) === Math.max(before, after)) return earlier;
    if (this.offsetAt(later) === Math.min(before, after)) return later;
    return this.firstChange(floorToMinute(earlier), ceilToMinute(later), (t) => this.offsetAt(t));
  }

  private offsetAt(instant: number): number {
    if (instant < this.low || instant > this.high) return this.askDatabase(instant);
    let low = 0;
    let high = this.changes.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (this.changes[middle] <= instant) low = middle;
      else high = middle - 1;
    }
    return this.offsets[low];
  }

  /** The first whole minute in (from, to] whose offset differs from the one at `from`. */
  private firstChange(from: number, to: number, offsetAt: (instant: number) => number): number {
    const initial = offsetAt(from);
    let low = from;
    let high = to;
    while (high - low > MINUTE_MS) {
      const middle = low + Math.floor((high - low) / 2 / MINUTE_MS) * MINUTE_MS;
      if (offsetAt(middle) === initial) low = middle;
      else high = middle;
    }
    return high;
  }

  private askDatabase(instant: number): number {
    return this.iana.offset(instant) * MINUTE_MS;
  }
}

function floorToMinute(instant: number): number {
  return Math.floor(instant / MINUTE_MS) * MINUTE_MS;
}

function ceilToMinute(instant: number): number {
  return Math.ceil(instant / MINUTE_MS) * MINUTE_MS;
}
