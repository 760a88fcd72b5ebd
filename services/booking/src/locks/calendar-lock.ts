import { Bus } from '@calldesk/messaging';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { BookingConfig } from '../config';
import { CalendarLeases } from './calendar-lease';
import { KeyedMutex } from './keyed-mutex';
import { LockFences, type Fence } from './lock-fences';
import { LockMetrics } from './lock-metrics';

/**
 * Serializes booking attempts per calendar: first in this process (an actor per key, so
 * concurrent attempts queue in memory instead of racing for the lease), then across instances
 * (the lease). The work receives the fence granted with the lease, which its database writes
 * carry.
 */
@Injectable()
export class CalendarLock implements OnModuleInit {
  private readonly mailboxes = new KeyedMutex();
  private leases!: CalendarLeases;
  private readonly fences: LockFences;
  private readonly metrics = new LockMetrics();

  constructor(
    private readonly bus: Bus,
    db: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: BookingConfig,
  ) {
    this.fences = new LockFences(db);
  }

  async onModuleInit(): Promise<void> {
    this.leases = await CalendarLeases.open(this.bus.connection, this.config.BOOKING_LOCK_LEASE_MS, this.config.JETSTREAM_REPLICAS);
  }

  /**
   * `contended` tells the work whether another instance held the calendar while it waited.
   * `settled` may answer without the lock (e.g. "the slot was taken by the attempt before"): it
   * is asked by everyone who arrived while the calendar was busy as soon as the work ahead of
   * them has run, all at once rather than one by one, and again on the caller's turn if others
   * got in first. A crowd of losers for one slot so drains in one step, without leases.
   */
  async run<T>(
    lockKey: string,
    work: (fence: Fence, contended: boolean) => Promise<T>,
    settled?: () => Promise<T | undefined>,
  ): Promise<T> {
    const startedAt = performance.now();
    if (settled && this.mailboxes.isBusy(lockKey)) {
      await this.mailboxes.passed(lockKey);
      const answer = await settled();
      if (answer !== undefined) return answer;
    }
    const queued = this.mailboxes.isBusy(lockKey);
    // The caller has its answer as soon as the work is done; the lease is let go after that (a
    // JetStream electing a leader can take seconds to take it back), while the calendar's
    // mailbox stays closed, so the next attempt here starts once it is released.
    return new Promise<T>((answer, fail) => {
      this.mailboxes
        .run(lockKey, async () => {
          if (queued && settled) {
            const known = await settled();
            if (known !== undefined) return answer(known);
          }
          const lease = await this.leases.acquire(lockKey, this.config.BOOKING_LOCK_WAIT_MS);
          this.metrics.acquired(startedAt, lease.waited);
          const stopRenewing = this.leases.keepAlive(lease);
          try {
            answer(await work(await this.fences.grant(lease.key), lease.waited));
          } catch (error) {
            fail(error);
          } finally {
            await stopRenewing();
            await this.leases.release(lease);
          }
        })
        .catch(fail);
    });
  }
}

/** Bookings of one member go to one booking calendar: the member is the lock's key. */
export function memberLockKey(tenantId: string, memberId: string): string {
  return `${tenantId}/${memberId}`;
}
