import { healthRpc, SERVICES } from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { GatewayConfig } from '../config';

export interface ServiceHealth {
  service: string;
  ok: boolean;
  detail?: string;
}

/** Asks all eight services for their health over NATS, at once: the operator's view of the system. */
@Injectable()
export class ServicesStatus {
  constructor(
    private readonly bus: Bus,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async check(): Promise<{ ok: boolean; services: ServiceHealth[] }> {
    const services = await Promise.all(SERVICES.map((service) => this.ask(service)));
    return { ok: services.every((s) => s.ok), services };
  }

  private async ask(service: (typeof SERVICES)[number]): Promise<ServiceHealth> {
    try {
      const timeoutMs = this.config.STATUS_TIMEOUT_MS;
      const health = await this.bus.request(
        healthRpc(service),
        { checkTimeoutMs: Math.floor(timeoutMs / 2) },
        { timeoutMs },
      );
      const failing = health.dependencies.filter((d) => !d.ok).map((d) => `${d.name}: ${d.detail ?? 'failing'}`);
      return { service, ok: health.ok, ...(failing.length ? { detail: failing.join('; ') } : {}) };
    } catch (error) {
      return { service, ok: false, detail: (error as Error).message };
    }
  }
}
