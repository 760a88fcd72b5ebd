import { createHash, randomBytes } from 'node:crypto';
import { execute, query, queryOne } from '@calldesk/persistence';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { GatewayConfig } from '../config';
import type { OwnerAccount } from './owner-accounts';

export interface SessionRecord {
  id: string;
  tenantId: string;
  email: string;
  expiresAt: Date;
}

/** The form of every session token made here: anything else is refused without a look in the database. */
const TOKEN_FORM = /^cds_[A-Za-z0-9_-]{43}$/;

/**
 * Owners' dashboard sessions, bound to the owner's tenant: the token lives only in the browser's
 * cookie, its SHA-256 hash here. A session ends at SESSION_TTL_MINUTES after sign-in or when
 * revoked (signing out); every call reads it afresh, so an ended session is refused by every
 * gateway instance at once.
 */
@Injectable()
export class Sessions {
  constructor(
    private readonly db: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
  ) {}

  get ttlSeconds(): number {
    return this.config.SESSION_TTL_MINUTES * 60;
  }

  async start(owner: OwnerAccount): Promise<{ token: string; session: SessionRecord }> {
    const token = `cds_${randomBytes(32).toString('base64url')}`;
    // Sessions long over are cleared as new ones start: the table holds about the live ones.
    await execute(this.db, `DELETE FROM sessions WHERE expires_at < now() - interval '1 day'`);
    const [row] = await query<{ id: string; expires_at: Date }>(
      this.db,
      `INSERT INTO sessions (token_hash, owner_id, tenant_id, expires_at) VALUES ($1, $2, $3, now() + $4 * interval '1 second')
       RETURNING id, expires_at`,
      [hash(token), owner.id, owner.tenantId, this.ttlSeconds],
    );
    return { token, session: { id: row.id, tenantId: owner.tenantId, email: owner.email, expiresAt: row.expires_at } };
  }

  /** The live session of a token, or undefined for an unknown, expired or revoked one. */
  async find(token: string): Promise<SessionRecord | undefined> {
    if (!TOKEN_FORM.test(token)) return undefined;
    const row = await queryOne<{ id: string; tenant_id: string; expires_at: Date; email: string }>(
      this.db,
      `SELECT s.id, s.tenant_id, s.expires_at, o.email FROM sessions s JOIN owners o ON o.id = s.owner_id
        WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()`,
      [hash(token)],
    );
    return row && { id: row.id, tenantId: row.tenant_id, email: row.email, expiresAt: row.expires_at };
  }

  async revoke(id: string): Promise<void> {
    await execute(this.db, `UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [id]);
  }

  /** Of these sessions, those still live. */
  async live(ids: string[]): Promise<Set<string>> {
    const rows = await query<{ id: string }>(
      this.db,
      `SELECT id::text AS id FROM sessions WHERE id::text = ANY($1) AND revoked_at IS NULL AND expires_at > now()`,
      [ids],
    );
    return new Set(rows.map((row) => row.id));
  }
}

function hash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
