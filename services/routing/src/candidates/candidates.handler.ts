import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  InternalRpcs,
  RpcError,
  Service_Strategy,
  type CandidatesRequest,
  type CandidatesResponseSchema,
  type Service,
  type Tenant,
} from '@calldesk/contracts';
import { HandleRpc, SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import { CatalogChanges } from '../catalog/catalog-changes';
import { MembersRepository } from '../catalog/members.repository';
import { ServicesRepository } from '../catalog/services.repository';
import { TenantsRepository } from '../catalog/tenants.repository';
import type { RoutingConfig } from '../config';
import { balancedOrder } from './balancing';
import { BookingLedgerRepository } from './booking-ledger.repository';

interface CatalogEntry {
  tenant: Tenant;
  service: Service;
  timeZones: Map<string, string>;
  version: number;
  at: number;
}

const MAX_CACHED = 10_000;

/**
 * calendar.internal.routing.candidates: whom to try, in order, for a booking of a service. The
 * caller's memberId alone if it gave one; else a `specific` service's members as listed, or a
 * `round_robin` service's members in balanced order.
 */
@Injectable()
export class CandidatesHandler {
  private readonly cache = new Map<string, CatalogEntry>();

  constructor(
    private readonly tenants: TenantsRepository,
    private readonly services: ServicesRepository,
    private readonly members: MembersRepository,
    private readonly ledger: BookingLedgerRepository,
    private readonly changes: CatalogChanges,
    @Inject(SERVICE_CONFIG) private readonly config: RoutingConfig,
  ) {}

  @HandleRpc(InternalRpcs.routingCandidates)
  async candidates(request: CandidatesRequest): Promise<MessageInitShape<typeof CandidatesResponseSchema>> {
    const { tenant, service, timeZones } = await this.catalog(request.tenantId, request.serviceId);
    const order = await this.order(service, request.memberId, request.recent);
    return {
      candidates: order.map((memberId) => ({ memberId, timeZone: timeZones.get(memberId) })),
      durationMinutes: service.durationMinutes,
      serviceName: service.name,
      tenantTimeZone: tenant.timeZone,
    };
  }

  /**
   * The tenant, service and members' zones, kept briefly: this answer sits on every booking's
   * path and the catalog rarely changes. This instance's own writes drop it at once; another
   * instance's show within ROUTING_CATALOG_CACHE_MS.
   */
  private async catalog(tenantId: string, serviceId: string): Promise<CatalogEntry> {
    const key = `${tenantId}\u0000${serviceId}`;
    const cached = this.cache.get(key);
    if (
      cached &&
      cached.version === this.changes.version &&
      Date.now() - cached.at <= this.config.ROUTING_CATALOG_CACHE_MS
    )
      return cached;
    const version = this.changes.version;
    // Both asked at once, but an unknown tenant is the answer before an unknown service, whichever fails first.
    const [tenantRead, serviceRead] = await Promise.allSettled([
      this.tenants.get(tenantId),
      this.services.get(tenantId, serviceId),
    ]);
    if (tenantRead.status === 'rejected') throw tenantRead.reason;
    if (serviceRead.status === 'rejected') throw serviceRead.reason;
    const [tenant, service] = [tenantRead.value, serviceRead.value];
    const members = await this.members.findMany(tenantId, service.memberIds);
    const entry = {
      tenant,
      service,
      timeZones: new Map(members.map((m) => [m.id, m.timeZone])),
      version,
      at: Date.now(),
    };
    this.cache.set(key, entry);
    if (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    return entry;
  }

  private async order(
    service: Service,
    memberId: string | undefined,
    recent: CandidatesRequest['recent'],
  ): Promise<string[]> {
    if (memberId) {
      const chosen = memberId.toLowerCase();
      if (!service.memberIds.includes(chosen)) {
        throw RpcError.invalidArgument('memberId', `member ${memberId} does not serve service ${service.id}`);
      }
      return [chosen];
    }
    if (service.strategy === Service_Strategy.specific) return service.memberIds;
    const loads = await this.ledger.loads(
      service.tenantId,
      service.memberIds,
      this.config.ROUTING_BALANCE_WINDOW_DAYS,
      recent,
    );
    const weights = new Map(service.weights.map((w) => [w.memberId, w.weight]));
    return balancedOrder(
      service.memberIds.map((id) => ({
        memberId: id,
        liveBookings: 0,
        ...loads.get(id),
        weight: weights.get(id) ?? 1,
      })),
    );
  }
}
