import { RpcError } from '@calldesk/contracts';
import { execute, query, type Db } from '@calldesk/persistence';
import type { DataSource, EntityManager } from 'typeorm';
import { isUuid } from './fields';

/**
 * Runs `work` in a transaction holding the tenant's catalog lock: writes to one tenant's catalog
 * take turns, so what `work` checks (the tenant exists, the members exist, a member is not alone
 * in a service) still holds when it commits. Catalog writes are rare; the wait costs nothing.
 */
export function inTenantTransaction<T>(
  dataSource: DataSource,
  tenantId: string,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  return dataSource.transaction(async (manager) => {
    await execute(manager, 'SELECT pg_advisory_xact_lock(hashtext($1))', [`routing:tenant:${tenantId}`]);
    return work(manager);
  });
}

/** Throws not_found unless the tenant exists. */
export async function requireTenant(db: Db, tenantId: string): Promise<void> {
  const rows = isUuid(tenantId)
    ? await query<{ id: string }>(db, 'SELECT id FROM tenants WHERE id = $1', [tenantId])
    : [];
  if (rows.length === 0) throw RpcError.notFound('tenant', tenantId);
}
