import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

const CACHE_MS = 30_000;

/** Tenant API keys: made by an operator, shown once, kept as a SHA-256 hash, revocable. */
@Injectable()
export class ApiKeys {
  private readonly cache = new Map<string, { tenantId: string | undefined; at: number }>();

  constructor(private readonly db: DataSource) {}

  async create(tenantId: string, name: string): Promise<{ id: string; key: string }> {
    const key = `cdk_${randomBytes(32).toString('base64url')}`;
    const [row] = await this.db.query(`INSERT INTO api_keys (tenant_id, name, key_hash) VALUES ($1, $2, $3) RETURNING id`, [
      tenantId,
      name,
      hash(key),
    ]);
    return { id: row.id, key };
  }

  async revoke(tenantId: string, id: string): Promise<boolean> {
    const [, count] = await this.db.query(`UPDATE api_keys SET revoked_at = now() WHERE tenant_id = $1 AND id::text = $2 AND revoked_at IS NULL`, [
      tenantId,
      id,
    ]);
    this.cache.clear();
    return count > 0;
  }

  /** The tenant a key belongs to, or undefined for an unknown or revoked key. */
  async tenantOf(key: string): Promise<string | undefined> {
    const digest = hash(key);
    const cached = this.cache.get(digest);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.tenantId;
    const [row] = await this.db.query(`SELECT tenant_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`, [digest]);
    this.cache.set(digest, { tenantId: row?.tenant_id, at: Date.now() });
    return row?.tenant_id;
  }
}

function hash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
