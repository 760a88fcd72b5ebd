import { query } from '@calldesk/persistence';
import type { DataSource } from 'typeorm';

/** What a lease holder's writes carry: the calendar's lease key and the token it was granted. */
export interface Fence {
  key: string;
  token: number;
}

/**
 * Fencing tokens, one counter per calendar in Postgres: each holder of a calendar's lease is
 * granted the next number, and its writes go through only while its number is the latest
 * (BookingRepository's fence). The counter lives beside the bookings it guards, so it never
 * starts over when the lease bucket is lost: a holder that lost its lease to a later one is
 * refused, and a new holder is never mistaken for an old one.
 */
export class LockFences {
  constructor(private readonly db: DataSource) {}

  /** The next token of the lease `key`; every earlier holder is fenced out from now on. */
  async grant(key: string): Promise<Fence> {
    const [{ revision }] = await query<{ revision: string }>(
      this.db,
      `INSERT INTO lock_fences (lock_key, revision) VALUES ($1, 1)
       ON CONFLICT (lock_key) DO UPDATE SET revision = lock_fences.revision + 1
       RETURNING revision`,
      [key],
    );
    return { key, token: Number(revision) };
  }
}
