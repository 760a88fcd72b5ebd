import { createHash, timingSafeEqual } from 'node:crypto';
import { execute, query, queryOne } from '@calldesk/persistence';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface Channel {
  id: string;
  calendarId: string;
  resourceId: string | null;
  expiresAt: Date | null;
  state: 'opening' | 'open';
}

const COLUMNS = `id, calendar_id AS "calendarId", resource_id AS "resourceId", expires_at AS "expiresAt", state`;

/** Push channels. A channel is stored before Google is asked, since its first message may come first. */
@Injectable()
export class ChannelStore {
  constructor(private readonly db: DataSource) {}

  async add(id: string, calendarId: string, token: string): Promise<void> {
    await execute(this.db, `INSERT INTO channels (id, calendar_id, token_sha256, state) VALUES ($1, $2, $3, 'opening')`, [id, calendarId, sha256(token)]);
  }

  async opened(id: string, resourceId: string, expiresAt: Date): Promise<void> {
    await execute(this.db, `UPDATE channels SET resource_id = $2, expires_at = $3, state = 'open' WHERE id = $1`, [id, resourceId, expiresAt]);
  }

  async remove(id: string): Promise<void> {
    await execute(this.db, `DELETE FROM channels WHERE id = $1`, [id]);
  }

  async ofCalendar(calendarId: string): Promise<Channel[]> {
    return query<Channel>(this.db, `SELECT ${COLUMNS} FROM channels WHERE calendar_id = $1 ORDER BY created_at`, [calendarId]);
  }

  /** The channel, when the token is its own (compared in constant time). */
  async verify(id: string, token: string): Promise<Channel | undefined> {
    const row = await queryOne<Channel & { hash: Buffer }>(this.db, `SELECT ${COLUMNS}, token_sha256 AS hash FROM channels WHERE id = $1`, [id]);
    if (!row) return undefined;
    const { hash, ...channel } = row;
    return timingSafeEqual(hash, sha256(token)) ? channel : undefined;
  }

  /** Channels opened long ago and never confirmed (their watch call failed midway). */
  async stale(olderThanMs: number): Promise<Channel[]> {
    return query<Channel>(
      this.db,
      `SELECT ${COLUMNS} FROM channels WHERE state = 'opening' AND created_at < now() - make_interval(secs => $1::double precision / 1000)`,
      [olderThanMs],
    );
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
