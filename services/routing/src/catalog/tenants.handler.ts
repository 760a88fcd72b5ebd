import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  RpcError,
  Rpcs,
  type CreateTenantRequest,
  type DeletedSchema,
  type ListTenantsRequest,
  type ListTenantsResponseSchema,
  type TenantRef,
  type TenantReplySchema,
  type UpdateTenantRequest,
} from '@calldesk/contracts';
import { HandleRpc } from '@calldesk/service-kit';
import { Injectable } from '@nestjs/common';
import { checkName } from './fields';
import { readPage } from './paging';
import { TenantsRepository } from './tenants.repository';

type TenantReply = MessageInitShape<typeof TenantReplySchema>;

/** calendar.v1.admin.tenants.* */
@Injectable()
export class TenantsHandler {
  constructor(private readonly tenants: TenantsRepository) {}

  @HandleRpc(Rpcs.tenantsCreate)
  async create(request: CreateTenantRequest): Promise<TenantReply> {
    return { tenant: await this.tenants.create({ name: checkName('name', request.name), timeZone: request.timeZone }) };
  }

  @HandleRpc(Rpcs.tenantsGet)
  async get(request: TenantRef): Promise<TenantReply> {
    return { tenant: await this.tenants.get(request.id) };
  }

  @HandleRpc(Rpcs.tenantsList)
  async list(request: ListTenantsRequest): Promise<MessageInitShape<typeof ListTenantsResponseSchema>> {
    return this.tenants.list(readPage(request));
  }

  @HandleRpc(Rpcs.tenantsUpdate)
  async update(request: UpdateTenantRequest): Promise<TenantReply> {
    // The codec lets '' through optional formatted fields; a tenant always has a zone.
    if (request.timeZone === '')
      throw RpcError.invalidArgument('timeZone', 'timeZone must be an IANA time zone (e.g. Europe/London)');
    const name = request.name === undefined ? undefined : checkName('name', request.name);
    return { tenant: await this.tenants.update(request.id, { name, timeZone: request.timeZone }) };
  }

  @HandleRpc(Rpcs.tenantsDelete)
  async delete(request: TenantRef): Promise<MessageInitShape<typeof DeletedSchema>> {
    await this.tenants.delete(request.id);
    return { id: request.id };
  }
}
