import { query } from '@calldesk/persistence';
import type { AvailabilityProfile, LiveBooking } from '@calldesk/scheduling';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AvailabilityConfig } from './config';

/** A member's profile as stored: everything but the zone, which routing owns. */
export type StoredProfile = Omit<AvailabilityProfile, 'timeZone'>;

export interface MemberConnection {
  connectionId: string;
  provider: string;
  status: string;
}

/** Bookings that ended longer ago than this no longer constrain anything. */
export const ENDED_BOOKINGS_MATTER_MS = 2 * 86_400_000;

/** What this service knows of a member, apart from calendar busy times. */
export interface MemberRecord {
  profile?: StoredProfile;
  bookings: LiveBooking[];
  connections: MemberConnection[];
}

/**
 * Members' profiles, live bookings and connections, read from this service's tables in one round
 * trip per table for all members asked, and kept until an event about the member (or the ttl) says
 * otherwise.
 */
@Injectable()
export class MemberStore {
  /** `versions`: the updatedAt of the newest change applied to each booking or hold since the load. */
  private readonly cache = new Map<string, { record: MemberRecord; loadedAt: number; versions: Map<string, number> }>();
  /** Bumped by each invalidation, so a read that raced with an event is not cached. */
  private readonly generations = new Map<string, number>();

  constructor(
    private readonly db: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: AvailabilityConfig,
  ) {}

  async load(tenantId: string, memberIds: readonly string[]): Promise<Map<string, MemberRecord>> {
    const now = Date.now();
    const found = new Map<string, MemberRecord>();
    const missing: string[] = [];
    for (const memberId of memberIds) {
      const cached = this.cache.get(key(tenantId, memberId));
      if (cached && now - cached.loadedAt <= this.config.MEMBER_CACHE_TTL_MS) found.set(memberId, cached.record);
      else missing.push(memberId);
    }
    if (missing.length) {
      const before = missing.map((memberId) => this.generations.get(key(tenantId, memberId)) ?? 0);
      const records = await this.read(tenantId, missing);
      missing.forEach((memberId, i) => {
        const record = records.get(memberId)!;
        found.set(memberId, record);
        const k = key(tenantId, memberId);
        if ((this.generations.get(k) ?? 0) === before[i])
          this.cache.set(k, { record, loadedAt: now, versions: new Map() });
      });
    }
    return found;
  }

  /**
   * Brings a cached member's live bookings (and holds) up to date from a booking or hold change,
   * keeping the rest of the record (and the schedule compiled from its profile): bookings change
   * far more often than profiles. A read racing with this is not cached (the generation moves on).
   * A change reaches here twice, told at once and later from the stream, in either order with its
   * neighbours: one older than the newest applied (`version`, its updatedAt) changes nothing.
   */
  applyBooking(tenantId: string, memberId: string, booking: LiveBooking, live: boolean, version: number): void {
    const k = key(tenantId, memberId);
    this.generations.set(k, (this.generations.get(k) ?? 0) + 1);
    const cached = this.cache.get(k);
    if (!cached) return;
    if (version < (cached.versions.get(booking.id) ?? -Infinity)) return;
    cached.versions.set(booking.id, version);
    const others = cached.record.bookings.filter((b) => b.id !== booking.id);
    cached.record = { ...cached.record, bookings: live ? [...others, booking] : others };
  }

  invalidate(tenantId: string, memberId: string): void {
    const k = key(tenantId, memberId);
    this.cache.delete(k);
    this.generations.set(k, (this.generations.get(k) ?? 0) + 1);
  }

  private async read(tenantId: string, memberIds: string[]): Promise<Map<string, MemberRecord>> {
    const records = new Map<string, MemberRecord>(memberIds.map((id) => [id, { bookings: [], connections: [] }]));
    const [profiles, bookings, connections] = await Promise.all([
      query<{ member_id: string; profile: StoredProfile }>(
        this.db,
        `SELECT member_id, profile FROM profiles WHERE tenant_id = $1 AND member_id = ANY($2)`,
        [tenantId, memberIds],
      ),
      query<{ booking_id: string; member_id: string; starts_at: Date; ends_at: Date; expires_at: Date | null }>(
        this.db,
        `SELECT booking_id, member_id, starts_at, ends_at, expires_at FROM booked_spans
          WHERE tenant_id = $1 AND member_id = ANY($2) AND live AND ends_at > now() - $3 * interval '1 millisecond'
            AND (expires_at IS NULL OR expires_at > now())`,
        [tenantId, memberIds, ENDED_BOOKINGS_MATTER_MS],
      ),
      query<{ connection_id: string; member_id: string; provider: string; status: string }>(
        this.db,
        `SELECT connection_id, member_id, provider, status FROM member_connections WHERE tenant_id = $1 AND member_id = ANY($2)`,
        [tenantId, memberIds],
      ),
    ]);
    for (const row of profiles) records.get(row.member_id)!.profile = row.profile;
    for (const row of bookings) {
      records.get(row.member_id)!.bookings.push({
        id: row.booking_id,
        start: row.starts_at.getTime(),
        end: row.ends_at.getTime(),
        ...(row.expires_at ? { expiresAt: row.expires_at.getTime() } : {}),
      });
    }
    for (const row of connections) {
      records
        .get(row.member_id)!
        .connections.push({ connectionId: row.connection_id, provider: row.provider, status: row.status });
    }
    return records;
  }
}

function key(tenantId: string, memberId: string): string {
  return `${tenantId}\u0000${memberId}`;
}
