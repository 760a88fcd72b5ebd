import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  InternalRpcs,
  RpcError,
  Service_Strategy,
  type CandidatesRequest,
  type CandidatesResponseSchema,
  type Service,
} from '@calldesk/contracts';
import { HandleRpc, SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import { MembersRepository } from '../catalog/members.repository';
import { ServicesRepository } from '../catalog/services.repository';
import { TenantsRepository } from '../catalog/tenants.repository';
import type { RoutingConfig } from '../config';
import { balancedOrder } from './balancing';
import { BookingLedgerRepository } from './booking-ledger.repository';

/**
 * calendar.internal.routing.candidates: whom to try, in order, for a booking of a service. The
 * caller's memberId alone if it gave one; else a `specific` service's members as listed, or a
 * `round_robin` service's members in balanced order.
 */
@Injectable()
export class CandidatesHandler {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly services: ServicesRepository,
    private readonly members: MembersRepository,
    private readonly ledger: BookingLedgerRepository,
    @Inject(SERVICE_CONFIG) private readonly config: RoutingConfig,
  ) {}

  @HandleRpc(InternalRpcs.routingCandidates)
  async candidates(request: CandidatesRequest): Promise<MessageInitShape<typeof CandidatesResponseSchema>> {
    // Independent reads go out together: this answer sits on every booking's path.
    const [tenant, service] = await Promise.all([
      this.tenants.get(request.tenantId),
      this.services.get(request.tenantId, request.serviceId),
    ]);
    const [order, members] = await Promise.all([
      this.order(service, request.memberId, request.recent),
      this.members.findMany(request.tenantId, service.memberIds),
    ]);
    const timeZones = new Map(members.map((m) => [m.id, m.timeZone]));
    return {
      candidates: order.map((memberId) => ({ memberId, timeZone: timeZones.get(memberId) })),
      durationMinutes: service.durationMinutes,
      serviceName: service.name,
      tenantTimeZone: tenant.timeZone,
    };
  }

  private async order(service: Service, memberId: string | undefined, recent: CandidatesRequest['recent']): Promise<string[]> {
    if (memberId) {
      const chosen = memberId.toLowerCase();
      if (!service.memberIds.includes(chosen)) {
        throw RpcError.invalidArgument('memberId', `member ${memberId} does not serve service ${service.id}`);
      }
      return [chosen];
    }
    if (service.strategy === Service_Strategy.specific) return service.memberIds;
    const loads = await this.ledger.loads(service.tenantId, service.memberIds, this.config.ROUTING_BALANCE_WINDOW_DAYS, recent);
    const weights = new Map(service.weights.map((w) => [w.memberId, w.weight]));
    return balancedOrder(
      service.memberIds.map((id) => ({ memberId: id, liveBookings: 0, ...loads.get(id), weight: weights.get(id) ?? 1 })),
    );
  }
}
