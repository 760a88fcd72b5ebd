import { Broadcasts, connectorRpcs, RpcError, type BusyResponse, type FreshBusy } from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import type { BusyInterval, Interval } from '@calldesk/scheduling';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { AvailabilityConfig } from '../config';
import type { MemberConnection } from '../member-store';
import { BusyCache, busyKey, type BusySnapshot } from './busy-cache';
import { BusyMetrics } from './busy-metrics';

/** Why a member's busy time could not be verified; such a member is offered nothing. */
export type UnverifiedReason = 'not_connected' | 'needs_reauth' | 'calendar_unavailable';

export type MemberBusy =
  | { verified: true; busy: BusyInterval[]; asOf: number; bookingCalendarId?: string; provider?: string }
  | { verified: false; reason: UnverifiedReason };

/** What a fresh read from one provider found busy over [from, to). */
export interface FreshRead {
  tenantId: string;
  memberId: string;
  provider: string;
  from: number;
  to: number;
  busy: BusyInterval[];
}

const DAY_MS = 86_400_000;

/**
 * A member's busy time across all their connections, from the busy cache or (fresh, or on a
 * miss) from each connector in one request holding all the member's booking and blocking
 * calendars. Cached windows are widened to whole UTC days, so neighbouring questions hit.
 */
@Injectable()
export class BusySource {
  readonly cache: BusyCache;
  private readonly metrics = new BusyMetrics();

  constructor(
    private readonly bus: Bus,
    @Inject(SERVICE_CONFIG) private readonly config: AvailabilityConfig,
  ) {
    this.cache = new BusyCache(config.BUSY_CACHE_MAX_ENTRIES, config.BUSY_CACHE_TTL_MS);
  }

  async busyOf(
    tenantId: string,
    memberId: string,
    connections: readonly MemberConnection[],
    window: Interval,
    fresh: boolean,
  ): Promise<MemberBusy> {
    if (connections.some((c) => c.status === 'needs_reauth')) return { verified: false, reason: 'needs_reauth' };
    const connected = connections.filter((c) => c.status === 'connected');
    if (!connected.length) return { verified: false, reason: 'not_connected' };

    const snapshots = await Promise.all(
      connected.map((c) =>
        this.snapshot(tenantId, memberId, c.provider, window, fresh).then((s) => ({ ...s, provider: c.provider })),
      ),
    );
    const failed = snapshots.find((s): s is Extract<typeof s, { failed: UnverifiedReason }> => 'failed' in s);
    if (failed) return { verified: false, reason: failed.failed };
    const ok = snapshots as (BusySnapshot & { provider: string })[];
    const booking = ok.find((s) => s.bookingCalendarId);
    return {
      verified: true,
      busy: ok.flatMap((s) => s.busy),
      asOf: Math.min(...ok.map((s) => s.fetchedAt)),
      bookingCalendarId: booking?.bookingCalendarId,
      provider: booking?.provider,
    };
  }

  private async snapshot(
    tenantId: string,
    memberId: string,
    provider: string,
    window: Interval,
    fresh: boolean,
  ): Promise<BusySnapshot | { failed: UnverifiedReason }> {
    if (!fresh) return this.read(tenantId, memberId, provider, window, false);
    const startedAt = performance.now();
    const snapshot = await this.read(tenantId, memberId, provider, window, true);
    this.metrics.liveRead(provider, startedAt, 'failed' in snapshot ? snapshot.failed : 'verified');
    return snapshot;
  }

  private async read(
    tenantId: string,
    memberId: string,
    provider: string,
    window: Interval,
    fresh: boolean,
  ): Promise<BusySnapshot | { failed: UnverifiedReason }> {
    const key = busyKey(tenantId, memberId, provider);
    const now = Date.now();
    if (!fresh) {
      const cached = this.cache.get(key, window.start, window.end, now);
      this.metrics.cacheLookup(provider, cached !== undefined);
      if (cached) return cached;
    }
    const generation = this.cache.generation(tenantId, memberId);
    const from = fresh ? window.start : Math.floor(window.start / DAY_MS) * DAY_MS - DAY_MS;
    const to = fresh ? window.end : Math.ceil(window.end / DAY_MS) * DAY_MS + DAY_MS;
    let response: BusyResponse;
    try {
      response = await this.bus.request(
        connectorRpcs(provider).busy,
        { tenantId, memberId, from: new Date(from).toISOString(), to: new Date(to).toISOString(), fresh },
        { timeoutMs: this.config.CONNECTOR_TIMEOUT_MS },
      );
    } catch (error) {
      return { failed: reasonOf(error) };
    }
    const broken = response.calendars.find((c) => c.error);
    if (broken)
      return { failed: broken.error?.details?.reason === 'needs_reauth' ? 'needs_reauth' : 'calendar_unavailable' };
    const snapshot: BusySnapshot = {
      from,
      to,
      bookingCalendarId: response.calendars.find((c) => c.role === 'booking')?.calendarId,
      busy: response.calendars.flatMap((c) =>
        c.busy.map((b) => ({ start: Date.parse(b.start), end: Date.parse(b.end), bookingId: b.bookingId })),
      ),
      fetchedAt: response.asOf ? Date.parse(response.asOf) : now,
    };
    if (fresh) this.tellFreshRead({ tenantId, memberId, provider, from, to, busy: snapshot.busy });
    else this.cache.set(key, snapshot, generation);
    return snapshot;
  }

  /**
   * A fresh read is the truth (DESIGN §8): a cached snapshot that contradicts it is dropped, so
   * that the next question reads the provider again.
   */
  takeIn(read: FreshRead): void {
    if (this.cache.contradicts(busyKey(read.tenantId, read.memberId, read.provider), read)) {
      this.cache.invalidateMember(read.tenantId, read.memberId);
    }
  }

  /**
   * The fresh answer covers only the slot asked about, so it is not cached. This instance takes
   * it in at once; the others hear it before the answer that used it goes out (and this one
   * hears it again, which changes nothing).
   */
  private tellFreshRead(read: FreshRead): void {
    this.takeIn(read);
    this.bus.broadcast(Broadcasts.freshBusy, {
      ...read,
      from: new Date(read.from).toISOString(),
      to: new Date(read.to).toISOString(),
      busy: read.busy.map((b) => ({
        start: new Date(b.start).toISOString(),
        end: new Date(b.end).toISOString(),
        bookingId: b.bookingId,
      })),
    });
  }
}

/** A fresh read another instance made, as this one's cache holds busy time. */
export function freshReadOf(message: FreshBusy): FreshRead {
  return {
    tenantId: message.tenantId,
    memberId: message.memberId,
    provider: message.provider,
    from: Date.parse(message.from),
    to: Date.parse(message.to),
    busy: message.busy.map((b) => ({ start: Date.parse(b.start), end: Date.parse(b.end), bookingId: b.bookingId })),
  };
}

function reasonOf(error: unknown): UnverifiedReason {
  if (error instanceof RpcError && error.code === 'failed_precondition' && error.details.reason === 'needs_reauth') {
    return 'needs_reauth';
  }
  return 'calendar_unavailable';
}
