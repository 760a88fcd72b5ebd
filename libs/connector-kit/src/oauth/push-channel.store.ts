import { createHash, timingSafeEqual } from 'node:crypto';
import { execute, query, queryOne } from '@calldesk/persistence';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OAUTH_CONNECTOR, type OAuthConnectorOptions } from './oauth-connector-options';

/** A push channel (Google) or subscription (Graph) of one calendar. */
export interface PushChannel {
  /** Ours, bound into the channel's signed secret. */
  id: string;
  calendarId: string;
  /** The provider's name for it (Google's resource id, Graph's subscription id), once it has answered. */
  providerId: string | null;
  expiresAt: Date | null;
  state: 'opening' | 'open';
}

/**
 * The provider's push table. A channel is stored before the provider is asked, since its first
 * message may come before the answer; its secret is kept as a SHA-256 only.
 */
@Injectable()
export class PushChannelStore {
  private readonly table: string;
  private readonly columns: string;
  private readonly secretColumn: string;
  private readonly providerIdColumn: string;

  constructor(
    private readonly db: DataSource,
    @Inject(OAUTH_CONNECTOR) options: OAuthConnectorOptions,
  ) {
    ({
      name: this.table,
      providerIdColumn: this.providerIdColumn,
      secretColumn: this.secretColumn,
    } = options.pushTable);
    this.columns = `id, calendar_id AS "calendarId", ${this.providerIdColumn} AS "providerId", expires_at AS "expiresAt", state`;
  }

  async add(id: string, calendarId: string, secret: string): Promise<void> {
    await execute(
      this.db,
      `INSERT INTO ${this.table} (id, calendar_id, ${this.secretColumn}, state) VALUES ($1, $2, $3, 'opening')`,
      [id, calendarId, sha256(secret)],
    );
  }

  async opened(id: string, providerId: string, expiresAt: Date): Promise<void> {
    await execute(
      this.db,
      `UPDATE ${this.table} SET ${this.providerIdColumn} = $2, expires_at = $3, state = 'open' WHERE id = $1`,
      [id, providerId, expiresAt],
    );
  }

  async renewed(id: string, expiresAt: Date): Promise<void> {
    await execute(this.db, `UPDATE ${this.table} SET expires_at = $2 WHERE id = $1`, [id, expiresAt]);
  }

  async remove(id: string): Promise<void> {
    await execute(this.db, `DELETE FROM ${this.table} WHERE id = $1`, [id]);
  }

  async ofCalendar(calendarId: string): Promise<PushChannel[]> {
    return query<PushChannel>(
      this.db,
      `SELECT ${this.columns} FROM ${this.table} WHERE calendar_id = $1 ORDER BY created_at`,
      [calendarId],
    );
  }

  /** The channel, when the secret is its own (compared in constant time). */
  async verify(id: string, secret: string): Promise<PushChannel | undefined> {
    const row = await queryOne<PushChannel & { hash: Buffer }>(
      this.db,
      `SELECT ${this.columns}, ${this.secretColumn} AS hash FROM ${this.table} WHERE id = $1`,
      [id],
    );
    if (!row) return undefined;
    const { hash, ...channel } = row;
    return timingSafeEqual(hash, sha256(secret)) ? channel : undefined;
  }

  /** Channels opened long ago and never confirmed (their opening call failed midway). */
  async stale(olderThanMs: number): Promise<PushChannel[]> {
    return query<PushChannel>(
      this.db,
      `SELECT ${this.columns} FROM ${this.table} WHERE state = 'opening' AND created_at < now() - make_interval(secs => $1::double precision / 1000)`,
      [olderThanMs],
    );
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
