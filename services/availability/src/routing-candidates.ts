import { InternalRpcs, type CandidatesResponse } from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { AvailabilityConfig } from './config';

// One entry per tenant, service and chosen member asked about.
const MAX_SERVICES = 10_000;

/**
 * Routing's candidates for a service, kept briefly: the balancing order moves only with bookings
 * (whose events drop a tenant's entries here) and the catalog rarely, so a slots question
 * seldom needs the extra hop. Booking asks routing itself, never this cache.
 */
@Injectable()
export class RoutingCandidates {
  private readonly cache = new Map<string, { answer: CandidatesResponse; at: number }>();

  constructor(
    private readonly bus: Bus,
    @Inject(SERVICE_CONFIG) private readonly config: AvailabilityConfig,
  ) {}

  async get(tenantId: string, serviceId: string, memberId?: string): Promise<CandidatesResponse> {
    const key = `${tenantId}\u0000${serviceId}\u0000${memberId ?? ''}`;
    const now = Date.now();
    const cached = this.cache.get(key);
    if (cached && now - cached.at <= this.config.CANDIDATES_CACHE_TTL_MS) return cached.answer;
    const answer = await this.bus.request(InternalRpcs.routingCandidates, { tenantId, serviceId, memberId });
    this.cache.set(key, { answer, at: now });
    if (this.cache.size > MAX_SERVICES) this.cache.delete(this.cache.keys().next().value!);
    return answer;
  }

  invalidateTenant(tenantId: string): void {
    for (const key of this.cache.keys()) if (key.startsWith(`${tenantId}\u0000`)) this.cache.delete(key);
  }
}
