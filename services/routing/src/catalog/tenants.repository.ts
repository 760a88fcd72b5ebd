import { create } from '@bufbuild/protobuf';
import { RpcError, TenantSchema, type Tenant } from '@calldesk/contracts';
import { execute, query } from '@calldesk/persistence';
import { Injectable } from '@nestjs/common';
import { CatalogChanges } from './catalog-changes';
import { DataSource, type EntityManager } from 'typeorm';
import { isUuid } from './fields';
import { toPage, type PageRequest } from './paging';
import { inTenantTransaction } from './tenant-scope';

export interface TenantFields {
  name: string;
  timeZone: string;
}

interface TenantRow {
  id: string;
  name: string;
  time_zone: string;
}

const COLUMNS = 'id, name, time_zone';

/** The tenants table. TypeORM answers UPDATE and DELETE with [rows, affected], other commands with rows. */
@Injectable()
export class TenantsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly changes: CatalogChanges,
  ) {}

  /** A catalog write: one tenant's transaction, after which readers know the catalog moved on. */
  private write<T>(tenantId: string, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return inTenantTransaction(this.dataSource, tenantId, work).finally(() => this.changes.bump());
  }

  async create(fields: TenantFields): Promise<Tenant> {
    const [row] = await query<TenantRow>(
      this.dataSource,
      `INSERT INTO tenants (name, time_zone) VALUES ($1, $2) RETURNING ${COLUMNS}`,
      [fields.name, fields.timeZone],
    );
    return toTenant(row);
  }

  /** The tenant, or not_found. */
  async get(id: string): Promise<Tenant> {
    const rows = isUuid(id)
      ? await query<TenantRow>(this.dataSource, `SELECT ${COLUMNS} FROM tenants WHERE id = $1`, [id])
      : [];
    if (rows.length === 0) throw RpcError.notFound('tenant', id);
    return toTenant(rows[0]);
  }

  async list(page: PageRequest): Promise<{ tenants: Tenant[]; nextPageToken?: string }> {
    const rows = await query<TenantRow>(
      this.dataSource,
      `SELECT ${COLUMNS} FROM tenants WHERE ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2`,
      [page.after, page.limit + 1],
    );
    const { rows: kept, nextPageToken } = toPage(rows, page);
    return { tenants: kept.map(toTenant), nextPageToken };
  }

  /** Changes the given fields; not_found when there is no such tenant. */
  async update(id: string, changes: Partial<TenantFields>): Promise<Tenant> {
    if (!isUuid(id)) throw RpcError.notFound('tenant', id);
    const rows = await query<TenantRow>(
      this.dataSource,
      `UPDATE tenants SET name = coalesce($2, name), time_zone = coalesce($3, time_zone) WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, changes.name ?? null, changes.timeZone ?? null],
    );
    this.changes.bump();
    if (rows.length === 0) throw RpcError.notFound('tenant', id);
    return toTenant(rows[0]);
  }

  /**
   * Deletes a tenant that has no members and no services left; failed_precondition otherwise,
   * so that one call cannot wipe a tenant's whole catalog.
   */
  async delete(id: string): Promise<void> {
    if (!isUuid(id)) throw RpcError.notFound('tenant', id);
    await this.write(id, async (manager) => {
      const [usage] = await query<{ members: number; services: number }>(
        manager,
        `SELECT (SELECT count(*) FROM members WHERE tenant_id = $1)::int AS members,
                (SELECT count(*) FROM services WHERE tenant_id = $1)::int AS services`,
        [id],
      );
      if (usage.members > 0 || usage.services > 0) {
        throw new RpcError(
          'failed_precondition',
          `tenant ${id} still has ${usage.members} members and ${usage.services} services; delete them first`,
          { tenantId: id, members: usage.members, services: usage.services },
        );
      }
      const deleted = await execute(manager, 'DELETE FROM tenants WHERE id = $1', [id]);
      if (deleted === 0) throw RpcError.notFound('tenant', id);
    });
  }
}

function toTenant(row: TenantRow): Tenant {
  return create(TenantSchema, { id: row.id, name: row.name, timeZone: row.time_zone });
}
