import { Bus } from '@calldesk/messaging';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { BookingConfig } from '../config';
import { calendarBusy, CalendarLeases, type Lease } from './calendar-lease';
import { KeyedMutex } from './keyed-mutex';
import { LockFences, type Fence } from './lock-fences';
import { LockMetrics } from './lock-metrics';

/**
 * Serializes booking attempts per calendar: first in this process (an actor per key, so
 * concurrent attempts queue in memory instead of racing for the lease), then across instances
 * (the KV lease, then the calendar's hold in Postgres). The work receives the fence granted with
 * the hold, which its database writes carry.
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
    this.leases = await CalendarLeases.open(
      this.bus.connection,
      this.config.BOOKING_LOCK_LEASE_MS,
      this.config.JETSTREAM_REPLICAS,
    );
  }

  /** Whether no attempt in this process holds or waits for the calendar. */
  isFree(lockKey: string): boolean {
    return !this.mailboxes.isBusy(lockKey);
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
          const { lease, fence } = await this.acquire(lockKey);
          this.metrics.acquired(startedAt, lease.waited);
          const stopRenewing = this.keepAlive(lease, fence);
          try {
            answer(await work(fence, lease.waited));
          } catch (error) {
            fail(error);
          } finally {
            await stopRenewing();
            await Promise.allSettled([
              fence.released ? undefined : this.fences.release(fence),
              this.leases.release(lease),
            ]);
          }
        })
        .catch(fail);
    });
  }

  /**
   * The calendar's lease, then Postgres's hold on it with the next fence, waiting (with growing
   * pauses) while another instance has either, for up to BOOKING_LOCK_WAIT_MS. A lease JetStream
   * granted twice (nats-server 2.9 does not serialize concurrent creates of one key in a
   * replicated bucket) is given back when Postgres says the calendar is held.
   */
  private async acquire(lockKey: string): Promise<{ lease: Lease; fence: Fence }> {
    const deadline = Date.now() + this.config.BOOKING_LOCK_WAIT_MS;
    let waited = false;
    for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
      const lease = await this.leases.acquire(lockKey, Math.max(0, deadline - Date.now()));
      const fence = await this.fences
        .grant(lease.key, this.config.BOOKING_LOCK_LEASE_MS)
        .catch(async (error: unknown) => {
          await this.leases.release(lease);
          throw error;
        });
      if (fence) return { lease: { ...lease, waited: lease.waited || waited }, fence };
      await this.leases.release(lease);
      waited = true;
      if (Date.now() + pause > deadline) throw calendarBusy();
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  /**
   * Holds the calendar for as long as the work runs, however long the provider takes: every
   * third of the lease's length both the lease and Postgres's hold are renewed. Once the hold is
   * another's (this process stalled past the lease's length and another instance took the
   * calendar), renewing stops; the work's writes are then refused by the fence. A renewal that
   * fails (Postgres or JetStream not answering) is tried again at the next turn. Answers the
   * stop, after which the lease's revision is the one to release.
   */
  private keepAlive(lease: Lease, fence: Fence): () => Promise<void> {
    const leaseMs = this.config.BOOKING_LOCK_LEASE_MS;
    let renewing = Promise.resolve();
    const timer = setInterval(
      () => {
        renewing = renewing.then(async () => {
          const [held] = await Promise.all([
            this.fences.renew(fence, leaseMs).catch(() => true),
            this.leases.renew(lease),
          ]);
          if (!held) clearInterval(timer);
        });
      },
      Math.floor(leaseMs / 3),
    );
    return async () => {
      clearInterval(timer);
      await renewing;
    };
  }
}

/** Bookings of one member go to one booking calendar: the member is the lock's key. */
export function memberLockKey(tenantId: string, memberId: string): string {
  return `${tenantId}/${memberId}`;
}
