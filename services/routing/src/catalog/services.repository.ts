import { create } from '@bufbuild/protobuf';
import { RpcError, ServiceSchema, Service_Strategy, type Service } from '@calldesk/contracts';
import { execute, query } from '@calldesk/persistence';
import { Injectable } from '@nestjs/common';
import { CatalogChanges } from './catalog-changes';
import { DataSource, type EntityManager } from 'typeorm';
import { isUuid } from './fields';
import { toPage, type PageRequest } from './paging';
import { inTenantTransaction, requireTenant } from './tenant-scope';

export type StrategyName = 'round_robin' | 'specific';

/** A service as stored: its members in the listed order, each with its weight (null: 1). */
export interface ServiceFields {
  name: string;
  durationMinutes: number;
  strategy: StrategyName;
  members: ServiceMember[];
}

export interface ServiceMember {
  memberId: string;
  weight: number | null;
}

interface ServiceRow {
  id: string;
  tenant_id: string;
  name: string;
  duration_minutes: number;
  strategy: StrategyName;
  members: ServiceMember[] | null;
}

const SELECT_SERVICES = `
  SELECT s.id, s.tenant_id, s.name, s.duration_minutes, s.strategy,
         (SELECT json_agg(json_build_object('memberId', sm.member_id, 'weight', sm.weight) ORDER BY sm.position)
          FROM service_members sm WHERE sm.service_id = s.id) AS members
  FROM services s`;

/** The services table and who serves each; every call is scoped by tenant. */
@Injectable()
export class ServicesRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly changes: CatalogChanges,
  ) {}

  /** A catalog write: one tenant's transaction, after which readers know the catalog moved on. */
  private write<T>(tenantId: string, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return inTenantTransaction(this.dataSource, tenantId, work).finally(() => this.changes.bump());
  }

  /** Stores a service; its members must be the tenant's, else invalid_argument on memberIds[i]. */
  async create(tenantId: string, fields: ServiceFields): Promise<Service> {
    return this.write(tenantId, async (manager) => {
      await requireTenant(manager, tenantId);
      await checkMembersExist(manager, tenantId, fields.members);
      const [{ id }] = await query<{ id: string }>(
        manager,
        `INSERT INTO services (tenant_id, name, duration_minutes, strategy) VALUES ($1, $2, $3, $4) RETURNING id`,
        [tenantId, fields.name, fields.durationMinutes, fields.strategy],
      );
      await insertMembers(manager, tenantId, id, fields.members);
      return toService(await this.row(manager, tenantId, id));
    });
  }

  /** The service, or not_found (also for a service of another tenant). */
  async get(tenantId: string, id: string): Promise<Service> {
    return toService(await this.row(this.dataSource.manager, tenantId, id));
  }

  async list(tenantId: string, page: PageRequest): Promise<{ services: Service[]; nextPageToken?: string }> {
    await requireTenant(this.dataSource.manager, tenantId);
    const rows = await query<ServiceRow>(
      this.dataSource,
      `${SELECT_SERVICES} WHERE s.tenant_id = $1 AND ($2::uuid IS NULL OR s.id > $2) ORDER BY s.id LIMIT $3`,
      [tenantId, page.after, page.limit + 1],
    );
    const { rows: kept, nextPageToken } = toPage(rows, page);
    return { services: kept.map(toService), nextPageToken };
  }

  /** Replaces the service's fields with what `change` makes of the stored ones. */
  async update(tenantId: string, id: string, change: (current: ServiceFields) => ServiceFields): Promise<Service> {
    return this.write(tenantId, async (manager) => {
      const next = change(fieldsOf(await this.row(manager, tenantId, id)));
      await checkMembersExist(manager, tenantId, next.members);
      await execute(
        manager,
        `UPDATE services SET name = $3, duration_minutes = $4, strategy = $5 WHERE tenant_id = $1 AND id = $2`,
        [tenantId, id, next.name, next.durationMinutes, next.strategy],
      );
      await execute(manager, 'DELETE FROM service_members WHERE service_id = $1', [id]);
      await insertMembers(manager, tenantId, id, next.members);
      return toService(await this.row(manager, tenantId, id));
    });
  }

  async delete(tenantId: string, id: string): Promise<void> {
    await this.write(tenantId, async (manager) => {
      await this.row(manager, tenantId, id);
      await execute(manager, 'DELETE FROM services WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
    });
  }

  private async row(db: EntityManager, tenantId: string, id: string): Promise<ServiceRow> {
    const rows =
      isUuid(tenantId) && isUuid(id)
        ? await query<ServiceRow>(db, `${SELECT_SERVICES} WHERE s.tenant_id = $1 AND s.id = $2`, [tenantId, id])
        : [];
    if (rows.length === 0) throw RpcError.notFound('service', id);
    return rows[0];
  }
}

async function checkMembersExist(db: EntityManager, tenantId: string, members: ServiceMember[]): Promise<void> {
  const ids = members.map((member) => member.memberId);
  const found = await query<{ id: string }>(
    db,
    'SELECT id FROM members WHERE tenant_id = $1 AND id = ANY($2::uuid[])',
    [tenantId, ids.filter(isUuid)],
  );
  const existing = new Set(found.map((row) => row.id));
  const missing = ids.findIndex((id) => !existing.has(id));
  if (missing >= 0) {
    throw RpcError.invalidArgument(
      `memberIds[${missing}]`,
      `memberIds[${missing}] ${ids[missing]} is not a member of tenant ${tenantId}`,
    );
  }
}

async function insertMembers(
  db: EntityManager,
  tenantId: string,
  serviceId: string,
  members: ServiceMember[],
): Promise<void> {
  await execute(
    db,
    `INSERT INTO service_members (tenant_id, service_id, member_id, position, weight)
     SELECT $1, $2, listed.member_id, listed.position - 1, listed.weight
     FROM unnest($3::uuid[], $4::float8[]) WITH ORDINALITY AS listed (member_id, weight, position)`,
    [tenantId, serviceId, members.map((m) => m.memberId), members.map((m) => m.weight)],
  );
}

function fieldsOf(row: ServiceRow): ServiceFields {
  return { name: row.name, durationMinutes: row.duration_minutes, strategy: row.strategy, members: row.members ?? [] };
}

function toService(row: ServiceRow): Service {
  const members = row.members ?? [];
  return create(ServiceSchema, {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    durationMinutes: row.duration_minutes,
    strategy: Service_Strategy[row.strategy],
    memberIds: members.map((member) => member.memberId),
    weights: members.flatMap(({ memberId, weight }) => (weight === null ? [] : [{ memberId, weight }])),
  });
}
