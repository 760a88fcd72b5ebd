import { randomUUID } from 'node:crypto';
import { Broadcasts, Events, type Hold } from '@calldesk/contracts';
import type { LiveBooking } from '@calldesk/scheduling';
import { Bus } from '@calldesk/messaging';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BusySource, freshReadOf } from '../busy/busy-source';
import type { AvailabilityConfig } from '../config';
import { MemberStore } from '../member-store';
import { RoutingCandidates } from '../routing-candidates';
import { applyBooking, applyConnection, applyHold, isHeld, isLive } from './projections';
import { SyncMetrics } from './sync-metrics';

/**
 * Every instance keeps caches, so every instance needs every change: it has durable consumers of
 * its own (durable, so a NATS reconnect loses nothing). Booking and connection events are applied
 * to the tables before the cache entry is dropped, so the next read cannot see the old state,
 * whichever instance's projection consumer gets to the event first. What another instance's
 * fresh read found is heard too, so that no cache here contradicts it, and so is each booking
 * change at once (its event may come a moment after the caller acts on the answer).
 */
@Injectable()
export class CacheInvalidation implements OnApplicationBootstrap {
  private readonly instance = randomUUID().slice(0, 8);
  private readonly sync = new SyncMetrics();

  constructor(
    private readonly bus: Bus,
    private readonly db: DataSource,
    private readonly members: MemberStore,
    private readonly busy: BusySource,
    private readonly candidates: RoutingCandidates,
    @Inject(SERVICE_CONFIG) private readonly config: AvailabilityConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const options = (name: string) => ({
      durable: `availability-${this.instance}-${name}`,
      instanceScoped: { inactiveThresholdMs: this.config.INSTANCE_CONSUMER_TTL_MS },
    });
    this.bus.hear(Broadcasts.freshBusy, (read) => this.busy.takeIn(freshReadOf(read)));
    this.bus.hear(Broadcasts.bookingChanged, (booking) => {
      this.members.applyBooking(
        booking.tenantId,
        booking.memberId,
        { id: booking.id, start: Date.parse(booking.start), end: Date.parse(booking.end) },
        isLive(booking),
        Date.parse(booking.updatedAt),
      );
      this.candidates.invalidateTenant(booking.tenantId);
    });
    this.bus.hear(Broadcasts.holdChanged, (hold) => this.takeHold(hold, isHeld(hold)));
    await Promise.all([
      this.bus.events.consume(Events.calendarChanged, options('calendars'), async (event) => {
        this.busy.cache.invalidateMember(event.tenantId, event.memberId);
        this.sync.invalidated(event.provider, event.changedAt);
      }),
      this.bus.events.consume(Events.availabilityChanged, options('profiles'), async (event) => {
        this.members.invalidate(event.tenantId, event.memberId);
      }),
      this.bus.events.consume(Events.bookingAny, options('bookings'), async (booking) => {
        const span = await applyBooking(this.db, booking);
        if (span) {
          this.members.applyBooking(
            booking.tenantId,
            booking.memberId,
            { id: booking.id, start: span.start.getTime(), end: span.end.getTime() },
            span.live,
            Date.parse(booking.updatedAt),
          );
        }
        this.candidates.invalidateTenant(booking.tenantId);
      }),
      this.bus.events.consume(Events.holdAny, options('holds'), async (hold) => {
        const span = await applyHold(this.db, hold);
        if (span) this.takeHold(hold, span.live);
      }),
      this.bus.events.consume(Events.connectionStatus, options('connections'), async (event, delivery) => {
        await applyConnection(this.db, event, delivery.storedAtMicros);
        this.members.invalidate(event.tenantId, event.memberId);
        this.busy.cache.invalidateMember(event.tenantId, event.memberId);
      }),
    ]);
  }

  /** A hold's change, told at once or read from the stream, into the member's cached bookings. */
  private takeHold(hold: Hold, live: boolean): void {
    this.members.applyBooking(hold.tenantId, hold.memberId, heldSpan(hold), live, Date.parse(hold.updatedAt));
  }
}

/** A hold as the schedule sees it: its appointment, until it expires. */
function heldSpan(hold: Hold): LiveBooking {
  return {
    id: hold.id,
    start: Date.parse(hold.start),
    end: Date.parse(hold.end),
    expiresAt: Date.parse(hold.expiresAt),
  };
}
