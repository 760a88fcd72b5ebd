import { create } from '@bufbuild/protobuf';
import { MemberSchema, NotificationChannel, RpcError, type Member } from '@calldesk/contracts';
import { execute, query } from '@calldesk/persistence';
import { Injectable } from '@nestjs/common';
import { CatalogChanges } from './catalog-changes';
import { DataSource, type EntityManager } from 'typeorm';
import { notifyChannel, type Contact } from './contact';
import { isUuid } from './fields';
import { toPage, type PageRequest } from './paging';
import { inTenantTransaction, requireTenant } from './tenant-scope';

/** A member as stored: null time zone means the tenant's. */
export interface MemberFields extends Contact {
  name: string;
  timeZone: string | null;
}

interface MemberRow {
  id: string;
  tenant_id: string;
  name: string;
  time_zone: string | null;
  email: string | null;
  phone: string | null;
  notify_by: MemberFields['notifyBy'];
  tenant_time_zone: string;
}

const SELECT_MEMBERS = `
  SELECT m.id, m.tenant_id, m.name, m.time_zone, m.email, m.phone, m.notify_by, t.time_zone AS tenant_time_zone
  FROM members m JOIN tenants t ON t.id = m.tenant_id`;

/** The members table; every call is scoped by tenant. */
@Injectable()
export class MembersRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly changes: CatalogChanges,
  ) {}

  /** A catalog write: one tenant's transaction, after which readers know the catalog moved on. */
  private write<T>(tenantId: string, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return inTenantTransaction(this.dataSource, tenantId, work).finally(() => this.changes.bump());
  }

  async create(tenantId: string, fields: MemberFields): Promise<Member> {
    return this.write(tenantId, async (manager) => {
      await requireTenant(manager, tenantId);
      const [{ id }] = await query<{ id: string }>(
        manager,
        `INSERT INTO members (tenant_id, name, time_zone, email, phone, notify_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [tenantId, fields.name, fields.timeZone, fields.email, fields.phone, fields.notifyBy],
      );
      return toMember(await this.row(manager, tenantId, id));
    });
  }

  /** The member, or not_found (also for a member of another tenant). */
  async get(tenantId: string, id: string): Promise<Member> {
    return toMember(await this.row(this.dataSource.manager, tenantId, id));
  }

  /** The tenant's members among `ids`; unknown ids are left out. */
  async findMany(tenantId: string, ids: string[]): Promise<Member[]> {
    const rows = await query<MemberRow>(
      this.dataSource,
      `${SELECT_MEMBERS} WHERE m.tenant_id = $1 AND m.id = ANY($2::uuid[])`,
      [tenantId, ids.filter(isUuid)],
    );
    return rows.map(toMember);
  }

  async list(tenantId: string, page: PageRequest): Promise<{ members: Member[]; nextPageToken?: string }> {
    await requireTenant(this.dataSource.manager, tenantId);
    const rows = await query<MemberRow>(
      this.dataSource,
      `${SELECT_MEMBERS} WHERE m.tenant_id = $1 AND ($2::uuid IS NULL OR m.id > $2) ORDER BY m.id LIMIT $3`,
      [tenantId, page.after, page.limit + 1],
    );
    const { rows: kept, nextPageToken } = toPage(rows, page);
    return { members: kept.map(toMember), nextPageToken };
  }

  /** Replaces the member's fields with what `change` makes of the stored ones. */
  async update(tenantId: string, id: string, change: (current: MemberFields) => MemberFields): Promise<Member> {
    return this.write(tenantId, async (manager) => {
      const next = change(fieldsOf(await this.row(manager, tenantId, id)));
      await execute(
        manager,
        `UPDATE members SET name = $3, time_zone = $4, email = $5, phone = $6, notify_by = $7 WHERE tenant_id = $1 AND id = $2`,
        [tenantId, id, next.name, next.timeZone, next.email, next.phone, next.notifyBy],
      );
      return toMember(await this.row(manager, tenantId, id));
    });
  }

  /**
   * Deletes the member and takes it out of its services. A service it serves alone would be left
   * with nobody: then nothing changes and the answer is failed_precondition naming those services.
   */
  async delete(tenantId: string, id: string): Promise<void> {
    await this.write(tenantId, async (manager) => {
      await this.row(manager, tenantId, id);
      const alone = await query<{ id: string; name: string }>(
        manager,
        `SELECT s.id, s.name FROM services s
         WHERE s.tenant_id = $1
           AND EXISTS (SELECT 1 FROM service_members sm WHERE sm.service_id = s.id AND sm.member_id = $2)
           AND NOT EXISTS (SELECT 1 FROM service_members sm WHERE sm.service_id = s.id AND sm.member_id <> $2)
         ORDER BY s.name, s.id`,
        [tenantId, id],
      );
      if (alone.length > 0) {
        throw new RpcError(
          'failed_precondition',
          `member ${id} is the only member of ${alone.map((s) => `"${s.name}"`).join(', ')}; give them another member or delete them first`,
          { memberId: id, serviceIds: alone.map((s) => s.id) },
        );
      }
      await execute(manager, 'DELETE FROM service_members WHERE tenant_id = $1 AND member_id = $2', [tenantId, id]);
      await execute(manager, 'DELETE FROM members WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
    });
  }

  private async row(db: EntityManager, tenantId: string, id: string): Promise<MemberRow> {
    const rows =
      isUuid(tenantId) && isUuid(id)
        ? await query<MemberRow>(db, `${SELECT_MEMBERS} WHERE m.tenant_id = $1 AND m.id = $2`, [tenantId, id])
        : [];
    if (rows.length === 0) throw RpcError.notFound('member', id);
    return rows[0];
  }
}

function fieldsOf(row: MemberRow): MemberFields {
  return { name: row.name, timeZone: row.time_zone, email: row.email, phone: row.phone, notifyBy: row.notify_by };
}

function toMember(row: MemberRow): Member {
  const fields = fieldsOf(row);
  return create(MemberSchema, {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    timeZone: row.time_zone ?? row.tenant_time_zone,
    email: row.email ?? undefined,
    phone: row.phone ?? undefined,
    notifyBy: NotificationChannel[notifyChannel(fields)],
  });
}
