import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  Rpcs,
  type CreateMemberRequest,
  type DeletedSchema,
  type ListByTenantRequest,
  type ListMembersResponseSchema,
  type MemberReplySchema,
  type ResourceRef,
  type UpdateMemberRequest,
} from '@calldesk/contracts';
import { HandleRpc } from '@calldesk/service-kit';
import { Injectable } from '@nestjs/common';
import { channelName, checkChannelReachable } from './contact';
import { checkEmail, checkName } from './fields';
import { MembersRepository, type MemberFields } from './members.repository';
import { readPage } from './paging';

type MemberReply = MessageInitShape<typeof MemberReplySchema>;

/**
 * calendar.v1.admin.members.* — an absent time zone follows the tenant's; an absent notifyBy
 * follows the contact details. On update '' clears email or phone, and a '' time zone goes back
 * to following the tenant's.
 */
@Injectable()
export class MembersHandler {
  constructor(private readonly members: MembersRepository) {}

  @HandleRpc(Rpcs.membersCreate)
  async create(request: CreateMemberRequest): Promise<MemberReply> {
    const fields: MemberFields = {
      name: checkName('name', request.name),
      timeZone: request.timeZone || null,
      email: checkEmail('email', request.email ?? '') || null,
      phone: request.phone || null,
      notifyBy: request.notifyBy === undefined ? null : channelName(request.notifyBy),
    };
    checkChannelReachable(fields, true);
    return { member: await this.members.create(request.tenantId, fields) };
  }

  @HandleRpc(Rpcs.membersGet)
  async get(request: ResourceRef): Promise<MemberReply> {
    return { member: await this.members.get(request.tenantId, request.id) };
  }

  @HandleRpc(Rpcs.membersList)
  async list(request: ListByTenantRequest): Promise<MessageInitShape<typeof ListMembersResponseSchema>> {
    return this.members.list(request.tenantId, readPage(request));
  }

  @HandleRpc(Rpcs.membersUpdate)
  async update(request: UpdateMemberRequest): Promise<MemberReply> {
    const changes: Partial<MemberFields> = {
      name: request.name === undefined ? undefined : checkName('name', request.name),
      timeZone: request.timeZone === undefined ? undefined : request.timeZone || null,
      email: request.email === undefined ? undefined : checkEmail('email', request.email) || null,
      phone: request.phone === undefined ? undefined : request.phone || null,
      notifyBy: request.notifyBy === undefined ? undefined : channelName(request.notifyBy),
    };
    const member = await this.members.update(request.tenantId, request.id, (current) => {
      const next = { ...current, ...withoutUndefined(changes) };
      checkChannelReachable(next, request.notifyBy !== undefined);
      return next;
    });
    return { member };
  }

  @HandleRpc(Rpcs.membersDelete)
  async delete(request: ResourceRef): Promise<MessageInitShape<typeof DeletedSchema>> {
    await this.members.delete(request.tenantId, request.id);
    return { id: request.id };
  }
}

function withoutUndefined<T extends object>(changes: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) as Partial<T>;
}
