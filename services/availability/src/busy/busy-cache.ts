import { clip, type BusyInterval, type Interval } from '@calldesk/scheduling';

/** What one connector said about one member's calendars over a window. */
export interface BusySnapshot {
  /** The window the snapshot covers, epoch ms, half-open. */
  from: number;
  to: number;
  /** The booking calendar, where events are written (absent when the provider has none). */
  bookingCalendarId?: string;
  busy: BusyInterval[];
  /** When the provider answered. */
  fetchedAt: number;
}

/**
 * Busy snapshots per member and provider, least recently used first out, each trusted for at most
 * `ttlMs` (a safety net: calendar.changed events drop entries as soon as a calendar changes).
 */
export class BusyCache {
  private readonly entries = new Map<string, BusySnapshot>();
  /** Bumped by each invalidation, so an answer fetched before a change is not stored after it. */
  private readonly generations = new Map<string, number>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {}

  /** The snapshot when it covers [from, to) and is fresh enough. */
  get(key: string, from: number, to: number, now: number): BusySnapshot | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (now - entry.fetchedAt > this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    if (entry.from > from || entry.to < to) return undefined;
    // Re-insert to mark it most recently used: a Map iterates in insertion order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  /** The member's generation now; pass it back to `set`. */
  generation(tenantId: string, memberId: string): number {
    return this.generations.get(busyKey(tenantId, memberId, '')) ?? 0;
  }

  /** Stores the snapshot unless the member was invalidated since `generation` was read. */
  set(key: string, snapshot: BusySnapshot, generation: number): void {
    const [tenantId, memberId] = key.split('\u0000');
    if (this.generation(tenantId, memberId) !== generation) return;
    this.entries.delete(key);
    this.entries.set(key, snapshot);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  /**
   * Whether the snapshot under `key` says otherwise than a fresh read about the time both cover:
   * other busy time there. Our bookings' events are left out of it: the booking service keeps
   * those itself, and a booking event tells every instance.
   */
  contradicts(key: string, read: { from: number; to: number; busy: readonly BusyInterval[] }): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    const window = { start: Math.max(read.from, entry.from), end: Math.min(read.to, entry.to) };
    if (window.end <= window.start) return false;
    return !sameTime(foreignBusy(entry.busy, window), foreignBusy(read.busy, window));
  }

  /** Drops every snapshot of a member (any provider). */
  invalidateMember(tenantId: string, memberId: string): void {
    const prefix = busyKey(tenantId, memberId, '');
    this.generations.set(prefix, this.generation(tenantId, memberId) + 1);
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

function foreignBusy(busy: readonly BusyInterval[], window: Interval): Interval[] {
  return clip(
    busy.filter((b) => b.bookingId === undefined),
    window,
  );
}

function sameTime(a: readonly Interval[], b: readonly Interval[]): boolean {
  return a.length === b.length && a.every((interval, i) => interval.start === b[i].start && interval.end === b[i].end);
}

export function busyKey(tenantId: string, memberId: string, provider: string): string {
  return `${tenantId}\u0000${memberId}\u0000${provider}`;
}
