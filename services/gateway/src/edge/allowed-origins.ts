import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { GatewayConfig } from '../config';

/** Which browser pages may call the API: the gateway's own (the dashboard) and those in CORS_ORIGINS. */
@Injectable()
export class AllowedOrigins {
  private readonly others: Set<string>;

  constructor(@Inject(SERVICE_CONFIG) config: GatewayConfig) {
    this.others = new Set(config.CORS_ORIGINS);
  }

  /** Another origin named in CORS_ORIGINS. */
  listed(origin: string): boolean {
    return this.others.has(origin);
  }

  /** A request with no Origin (not from a page's script or form), or from an allowed page. */
  admits(request: Request): boolean {
    const origin = request.headers.origin;
    return origin === undefined || this.listed(origin) || origin === `${request.protocol}://${request.headers.host}`;
  }
}
