import { execute, query } from '@calldesk/persistence';
import type { DataSource } from 'typeorm';

/** What a lease holder's writes carry: the calendar's lease key and the token it was granted. */
export interface Fence {
  key: string;
  token: number;
  /**
   * Set once the holder's last write let the calendar go in its own statement (a booking's
   * confirmation): the lock then has nothing left to release in Postgres.
   */
  released?: boolean;
}

/**
 * `held_until` of a hold let go: grantable at once, as any hold whose time is past, and never
 * pushed on again by a renewal that was already on its way.
 */
const RELEASED = `'-infinity'::timestamptz`;

/**
 * The statement that lets a calendar go while `token` is still its latest, for a write of the
 * holder's own to run as one of its parts (`AND` more conditions onto it).
 */
export const releaseHold = (key: string, token: string) =>
  `UPDATE lock_fences SET held_until = ${RELEASED} WHERE lock_key = ${key} AND revision = ${token}`;

/**
 * Fencing tokens, one counter per calendar in Postgres: each holder of a calendar's lease is
 * granted the next number, and its writes go through only while its number is the latest
 * (BookingRepository's fence). The counter lives beside the bookings it guards, so it never
 * starts over when the lease bucket is lost: a holder that lost its lease to a later one is
 * refused, and a new holder is never mistaken for an old one.
 *
 * A token is granted only while no other holder's time on the calendar runs (`held_until`, set
 * at the grant and pushed on by renewals): Postgres has the last word on who holds a calendar,
 * since a replicated JetStream bucket on nats-server 2.9 may grant one key to two concurrent
 * creates.
 */
export class LockFences {
  constructor(private readonly db: DataSource) {}

  /**
   * The next token of the lease `key`, held for `leaseMs` (every earlier holder is fenced out from
   * now on); undefined while another holder's time on it runs.
   */
  async grant(key: string, leaseMs: number): Promise<Fence | undefined> {
    const [row] = await query<{ revision: string }>(
      this.db,
      `INSERT INTO lock_fences (lock_key, revision, held_until) VALUES ($1, 1, now() + $2 * interval '1 millisecond')
       ON CONFLICT (lock_key) DO UPDATE SET revision = lock_fences.revision + 1, held_until = excluded.held_until
        WHERE lock_fences.held_until <= now()
       RETURNING revision`,
      [key, leaseMs],
    );
    return row ? { key, token: Number(row.revision) } : undefined;
  }

  /**
   * Holds the calendar `leaseMs` more; false when the token is no longer the latest or the hold was
   * let go (a renewal that waited on the releasing write's row lock must not take the calendar back).
   */
  async renew(fence: Fence, leaseMs: number): Promise<boolean> {
    const renewed = await execute(
      this.db,
      `UPDATE lock_fences SET held_until = now() + $3 * interval '1 millisecond'
        WHERE lock_key = $1 AND revision = $2 AND held_until <> ${RELEASED}`,
      [fence.key, fence.token, leaseMs],
    );
    return renewed > 0;
  }

  /** Lets the calendar go now, if the token is still the latest. */
  async release(fence: Fence): Promise<void> {
    await execute(this.db, releaseHold('$1', '$2'), [fence.key, fence.token]);
  }
}
