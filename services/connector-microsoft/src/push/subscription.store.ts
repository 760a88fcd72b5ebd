import { createHash, timingSafeEqual } from 'node:crypto';
import { execute, query, queryOne } from '@calldesk/persistence';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface Subscription {
  /** Ours, bound into the clientState. */
  id: string;
  calendarId: string;
  /** Graph's, once it has answered. */
  subscriptionId: string | null;
  expiresAt: Date | null;
  state: 'opening' | 'open';
}

const COLUMNS = `id, calendar_id AS "calendarId", subscription_id AS "subscriptionId", expires_at AS "expiresAt", state`;

/** Graph subscriptions. Stored before Graph is asked, so a notification that comes early is known. */
@Injectable()
export class SubscriptionStore {
  constructor(private readonly db: DataSource) {}

  async add(id: string, calendarId: string, clientState: string): Promise<void> {
    await execute(this.db, `INSERT INTO subscriptions (id, calendar_id, client_state_sha256, state) VALUES ($1, $2, $3, 'opening')`, [
      id,
      calendarId,
      sha256(clientState),
    ]);
  }

  async opened(id: string, subscriptionId: string, expiresAt: Date): Promise<void> {
    await execute(this.db, `UPDATE subscriptions SET subscription_id = $2, expires_at = $3, state = 'open' WHERE id = $1`, [id, subscriptionId, expiresAt]);
  }

  async renewed(id: string, expiresAt: Date): Promise<void> {
    await execute(this.db, `UPDATE subscriptions SET expires_at = $2 WHERE id = $1`, [id, expiresAt]);
  }

  async remove(id: string): Promise<void> {
    await execute(this.db, `DELETE FROM subscriptions WHERE id = $1`, [id]);
  }

  async ofCalendar(calendarId: string): Promise<Subscription[]> {
    return query<Subscription>(this.db, `SELECT ${COLUMNS} FROM subscriptions WHERE calendar_id = $1 ORDER BY created_at`, [calendarId]);
  }

  /** The subscription, when the clientState is its own (compared in constant time). */
  async verify(id: string, clientState: string): Promise<Subscription | undefined> {
    const row = await queryOne<Subscription & { hash: Buffer }>(this.db, `SELECT ${COLUMNS}, client_state_sha256 AS hash FROM subscriptions WHERE id = $1`, [id]);
    if (!row) return undefined;
    const { hash, ...subscription } = row;
    return timingSafeEqual(hash, sha256(clientState)) ? subscription : undefined;
  }

  async stale(olderThanMs: number): Promise<Subscription[]> {
    return query<Subscription>(
      this.db,
      `SELECT ${COLUMNS} FROM subscriptions WHERE state = 'opening' AND created_at < now() - make_interval(secs => $1::double precision / 1000)`,
      [olderThanMs],
    );
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
