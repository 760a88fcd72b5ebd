import { createHash, randomBytes } from 'node:crypto';
import { execute, query, queryOne } from '@calldesk/persistence';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { DataSource } from 'typeorm';
import type { GatewayConfig } from '../config';

/** Whose a key is: the tenant it acts for, and its own id (for limits, streams and revocation). */
export interface KeyOwner {
  tenantId: string;
  keyId: string;
}

/** The form of every key made here: anything else is refused without a look in the database. */
const KEY_FORM = /^cdk_[A-Za-z0-9_-]{43}$/;

/**
 * Tenant API keys: made by an operator, shown once, kept as a SHA-256 hash, revocable. Known keys
 * are remembered in a bounded LRU for API_KEY_CACHE_TTL_MS, the backstop should news of a
 * revocation not arrive; unknown ones are not remembered at all, so strangers' guesses take no
 * memory.
 */
@Injectable()
export class ApiKeys {
  private readonly known: LRUCache<string, KeyOwner>;
  /** Counts forgettings, so that a read which started before one does not remember what it read. */
  private forgettings = 0;

  constructor(
    private readonly db: DataSource,
    @Inject(SERVICE_CONFIG) config: GatewayConfig,
  ) {
    this.known = new LRUCache({ max: config.API_KEY_CACHE_SIZE, ttl: config.API_KEY_CACHE_TTL_MS });
  }

  async create(tenantId: string, name: string): Promise<{ id: string; key: string }> {
    const key = `cdk_${randomBytes(32).toString('base64url')}`;
    const [row] = await query<{ id: string }>(
      this.db,
      `INSERT INTO api_keys (tenant_id, name, key_hash) VALUES ($1, $2, $3) RETURNING id`,
      [tenantId, name, hash(key)],
    );
    return { id: row.id, key };
  }

  /** Marks the key revoked; false when the tenant has no such live key. Forgetting it is the caller's. */
  async markRevoked(tenantId: string, id: string): Promise<boolean> {
    const count = await execute(
      this.db,
      `UPDATE api_keys SET revoked_at = now() WHERE tenant_id = $1 AND id::text = $2 AND revoked_at IS NULL`,
      [tenantId, id],
    );
    return count > 0;
  }

  /** Who owns a key this instance remembers, without asking the database. */
  remembered(key: string): KeyOwner | undefined {
    return KEY_FORM.test(key) ? this.known.get(hash(key)) : undefined;
  }

  /** Who owns a key, or undefined for an unknown or revoked one. */
  async ownerOf(key: string): Promise<KeyOwner | undefined> {
    if (!KEY_FORM.test(key)) return undefined;
    const digest = hash(key);
    const cached = this.known.get(digest);
    if (cached) return cached;
    const forgettings = this.forgettings;
    const row = await queryOne<{ id: string; tenant_id: string }>(
      this.db,
      `SELECT id, tenant_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
      [digest],
    );
    if (!row) return undefined;
    const owner = { tenantId: row.tenant_id, keyId: row.id };
    if (forgettings === this.forgettings) this.known.set(digest, owner);
    return owner;
  }

  /** Of these keys, those still live. */
  async live(keyIds: string[]): Promise<Set<string>> {
    const rows = await query<{ id: string }>(
      this.db,
      `SELECT id::text AS id FROM api_keys WHERE id::text = ANY($1) AND revoked_at IS NULL`,
      [keyIds],
    );
    return new Set(rows.map((row) => row.id));
  }

  /** Drops a revoked key from memory: its next use reads the database, and finds it revoked. */
  forget(keyId: string): void {
    this.forgettings++;
    for (const [digest, owner] of this.known.entries()) {
      if (owner.keyId === keyId) this.known.delete(digest);
    }
  }
}

function hash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
