import { execute, query, queryOne, type Db } from '@calldesk/persistence';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ConnectionStatus } from '../connector-events';
import { CredentialVault } from '../credential-vault';
import { newProviderId } from '../ids';
import { OAUTH_CONNECTOR, type OAuthConnectorOptions } from './oauth-connector-options';

export interface OAuthConnection {
  id: string;
  tenantId: string;
  memberId: string;
  status: ConnectionStatus;
  scopes: string[];
  updatedAt: Date;
}

/** What is sealed per connection: never stored, logged or sent in clear. */
export interface OAuthCredentials {
  refreshToken: string;
  accessToken?: string;
  /** Epoch ms. */
  expiresAt?: number;
}

const COLUMNS = `id, tenant_id AS "tenantId", member_id AS "memberId", status, scopes, updated_at AS "updatedAt"`;

type Row = Omit<OAuthConnection, 'scopes'> & { scopes: string };

/** Connections (one live connection to the provider per member) and their sealed tokens. */
@Injectable()
export class OAuthConnectionStore {
  constructor(
    private readonly db: DataSource,
    private readonly vault: CredentialVault,
    @Inject(OAUTH_CONNECTOR) private readonly options: OAuthConnectorOptions,
  ) {}

  /** The provider whose connections these are. */
  get provider(): string {
    return this.options.provider;
  }

  async find(id: string): Promise<OAuthConnection | undefined> {
    const row = await queryOne<Row>(this.db, `SELECT ${COLUMNS} FROM connections WHERE id = $1`, [id]);
    return row ? toConnection(row) : undefined;
  }

  async forMember(tenantId: string, memberId: string): Promise<OAuthConnection | undefined> {
    const row = await queryOne<Row>(
      this.db,
      `SELECT ${COLUMNS} FROM connections WHERE tenant_id = $1 AND member_id = $2 AND status <> 'disconnected'`,
      [tenantId, memberId],
    );
    return row ? toConnection(row) : undefined;
  }

  /** The member's connection, connected with these credentials: the existing one again, or a new one. */
  async connect(
    tenantId: string,
    memberId: string,
    scopes: string[],
    credentials: OAuthCredentials,
  ): Promise<OAuthConnection> {
    return this.db.transaction(async (tx) => {
      const existing = await queryOne<{ id: string }>(
        tx,
        `SELECT id FROM connections WHERE tenant_id = $1 AND member_id = $2 AND status <> 'disconnected' FOR UPDATE`,
        [tenantId, memberId],
      );
      const id = existing?.id ?? newProviderId(this.options.provider);
      const sealed = this.vault.seal(credentials, id);
      const [row] = await query<Row>(
        tx,
        `INSERT INTO connections (id, tenant_id, member_id, status, scopes, credentials_key_id, credentials_sealed)
         VALUES ($1, $2, $3, 'connected', $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET status = 'connected', scopes = excluded.scopes,
           credentials_key_id = excluded.credentials_key_id, credentials_sealed = excluded.credentials_sealed, updated_at = now(), calendars_listed_at = now()
         RETURNING ${COLUMNS}`,
        [id, tenantId, memberId, scopes.join(' '), sealed.keyId, sealed.sealed],
      );
      return toConnection(row);
    });
  }

  async credentials(id: string, tx: Db = this.db, lock = false): Promise<OAuthCredentials | undefined> {
    const row = await queryOne<{ keyId: string | null; sealed: string | null }>(
      tx,
      `SELECT credentials_key_id AS "keyId", credentials_sealed AS sealed FROM connections WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`,
      [id],
    );
    if (!row?.keyId || !row.sealed) return undefined;
    const secret = { keyId: row.keyId, sealed: row.sealed };
    const credentials = this.vault.open<OAuthCredentials>(secret, id);
    // Sealed with a retired key: seal again with the active one.
    if (this.vault.needsRotation(secret)) await this.saveCredentials(id, credentials, tx);
    return credentials;
  }

  /**
   * Runs `refresh` holding the connection's row lock, so that one refresh runs at a time across
   * instances (a provider that rotates refresh tokens fails a second refresh with the old one).
   * `refresh` sees the current credentials and answers new ones to store, or undefined.
   */
  async refreshLocked(
    id: string,
    refresh: (current: OAuthCredentials) => Promise<OAuthCredentials | undefined>,
  ): Promise<OAuthCredentials | undefined> {
    return this.db.transaction(async (tx) => {
      const current = await this.credentials(id, tx, true);
      if (!current) return undefined;
      const next = await refresh(current);
      if (next) await this.saveCredentials(id, next, tx);
      return next ?? current;
    });
  }

  async saveCredentials(id: string, credentials: OAuthCredentials, tx: Db = this.db): Promise<void> {
    const sealed = this.vault.seal(credentials, id);
    await execute(
      tx,
      `UPDATE connections SET credentials_key_id = $2, credentials_sealed = $3, updated_at = now() WHERE id = $1`,
      [id, sealed.keyId, sealed.sealed],
    );
  }

  /** Sets the status; answers the connection when it changed (so the change is published once). */
  async setStatus(id: string, status: ConnectionStatus, from?: ConnectionStatus): Promise<OAuthConnection | undefined> {
    const [changed] = await query<Row>(
      this.db,
      `UPDATE connections SET status = $2, updated_at = now(),
         credentials_key_id = CASE WHEN $2 = 'disconnected' THEN NULL ELSE credentials_key_id END,
         credentials_sealed = CASE WHEN $2 = 'disconnected' THEN NULL ELSE credentials_sealed END
       WHERE id = $1 AND status <> $2 ${from ? 'AND status = $3' : ''} RETURNING ${COLUMNS}`,
      from ? [id, status, from] : [id, status],
    );
    return changed ? toConnection(changed) : undefined;
  }

  /**
   * Connected connections whose calendar list was last read `everyMs` ago or longer, marked as
   * read now: each one goes to one instance, and comes round again after `everyMs`.
   */
  async dueForRelisting(everyMs: number, limit: number): Promise<OAuthConnection[]> {
    const rows = await query<Row>(
      this.db,
      `UPDATE connections SET calendars_listed_at = now()
        WHERE id IN (SELECT id FROM connections
                      WHERE status = 'connected' AND calendars_listed_at <= now() - $1 * interval '1 millisecond'
                      ORDER BY calendars_listed_at LIMIT $2 FOR UPDATE SKIP LOCKED)
        RETURNING ${COLUMNS}`,
      [everyMs, limit],
    );
    return rows.map(toConnection);
  }

  /** Every connected connection: for push renewal and periodic sync. */
  async connected(): Promise<OAuthConnection[]> {
    const rows = await query<Row>(this.db, `SELECT ${COLUMNS} FROM connections WHERE status = 'connected'`);
    return rows.map(toConnection);
  }
}

function toConnection(row: Row): OAuthConnection {
  return { ...row, scopes: row.scopes ? row.scopes.split(' ') : [] };
}
