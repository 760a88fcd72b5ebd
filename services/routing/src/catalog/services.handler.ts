import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  RpcError,
  Rpcs,
  Service_Strategy,
  type CreateServiceRequest,
  type DeletedSchema,
  type ListByTenantRequest,
  type ListServicesResponseSchema,
  type ResourceRef,
  type ServiceReplySchema,
  type Service_Weight,
  type UpdateServiceRequest,
} from '@calldesk/contracts';
import { HandleRpc } from '@calldesk/service-kit';
import { Injectable } from '@nestjs/common';
import { checkName } from './fields';
import { readPage } from './paging';
import { ServicesRepository, type ServiceMember, type StrategyName } from './services.repository';

type ServiceReply = MessageInitShape<typeof ServiceReplySchema>;

const MAX_DURATION_MINUTES = 1440;
const MAX_WEIGHT = 100;

/**
 * calendar.v1.admin.services.* — on update an empty memberIds keeps the members, and an empty
 * weights keeps the weights of the members still listed (a weight of 1 is the same as none).
 * Weights only steer round robin; a `specific` service keeps them for when it switches back.
 */
@Injectable()
export class ServicesHandler {
  constructor(private readonly services: ServicesRepository) {}

  @HandleRpc(Rpcs.servicesCreate)
  async create(request: CreateServiceRequest): Promise<ServiceReply> {
    const fields = {
      name: checkName('name', request.name),
      durationMinutes: checkDuration(request.durationMinutes),
      strategy: strategyName(request.strategy),
      members: serviceMembers(request.memberIds, request.weights),
    };
    return { service: await this.services.create(request.tenantId, fields) };
  }

  @HandleRpc(Rpcs.servicesGet)
  async get(request: ResourceRef): Promise<ServiceReply> {
    return { service: await this.services.get(request.tenantId, request.id) };
  }

  @HandleRpc(Rpcs.servicesList)
  async list(request: ListByTenantRequest): Promise<MessageInitShape<typeof ListServicesResponseSchema>> {
    return this.services.list(request.tenantId, readPage(request));
  }

  @HandleRpc(Rpcs.servicesUpdate)
  async update(request: UpdateServiceRequest): Promise<ServiceReply> {
    const name = request.name === undefined ? undefined : checkName('name', request.name);
    const durationMinutes = request.durationMinutes === undefined ? undefined : checkDuration(request.durationMinutes);
    const strategy = request.strategy === undefined ? undefined : strategyName(request.strategy);
    const service = await this.services.update(request.tenantId, request.id, (current) => {
      const memberIds =
        request.memberIds.length > 0 ? request.memberIds : current.members.map((member) => member.memberId);
      const weights = request.weights.length > 0 ? request.weights : current.members.flatMap(keptWeight(memberIds));
      return {
        name: name ?? current.name,
        durationMinutes: durationMinutes ?? current.durationMinutes,
        strategy: strategy ?? current.strategy,
        members: serviceMembers(memberIds, weights),
      };
    });
    return { service };
  }

  @HandleRpc(Rpcs.servicesDelete)
  async delete(request: ResourceRef): Promise<MessageInitShape<typeof DeletedSchema>> {
    await this.services.delete(request.tenantId, request.id);
    return { id: request.id };
  }
}

function checkDuration(minutes: number): number {
  if (minutes < 1 || minutes > MAX_DURATION_MINUTES) {
    throw RpcError.invalidArgument('durationMinutes', `durationMinutes must be from 1 to ${MAX_DURATION_MINUTES}`);
  }
  return minutes;
}

function strategyName(strategy: Service_Strategy): StrategyName {
  return Service_Strategy[strategy] as StrategyName;
}

/**
 * The listed members with their weights. Ids are UUIDs, compared lowercase; whether each is a
 * member of the tenant is the repository's check.
 */
function serviceMembers(memberIds: string[], weights: Pick<Service_Weight, 'memberId' | 'weight'>[]): ServiceMember[] {
  const listed = new Map<string, number | null>();
  memberIds.forEach((raw, index) => {
    const id = raw.toLowerCase();
    if (listed.has(id))
      throw RpcError.invalidArgument(`memberIds[${index}]`, `memberIds[${index}] ${raw} is listed twice`);
    listed.set(id, null);
  });
  weights.forEach(({ memberId, weight }, index) => {
    const id = memberId.toLowerCase();
    const field = `weights[${index}]`;
    if (!listed.has(id))
      throw RpcError.invalidArgument(`${field}.memberId`, `${field}.memberId ${memberId} is not in memberIds`);
    if (listed.get(id) !== null)
      throw RpcError.invalidArgument(`${field}.memberId`, `${field}.memberId ${memberId} has a weight already`);
    if (!(weight > 0 && weight <= MAX_WEIGHT)) {
      throw RpcError.invalidArgument(
        `${field}.weight`,
        `${field}.weight must be more than 0 and at most ${MAX_WEIGHT}`,
      );
    }
    listed.set(id, weight);
  });
  return [...listed].map(([memberId, weight]) => ({ memberId, weight }));
}

function keptWeight(memberIds: string[]): (member: ServiceMember) => Pick<Service_Weight, 'memberId' | 'weight'>[] {
  const listed = new Set(memberIds.map((id) => id.toLowerCase()));
  return ({ memberId, weight }) => (weight !== null && listed.has(memberId) ? [{ memberId, weight }] : []);
}
