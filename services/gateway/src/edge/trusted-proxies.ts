import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { GatewayConfig } from '../config';

/**
 * Behind TRUST_PROXY_HOPS proxies (a load balancer, an ingress) the client's address is the one
 * they put in X-Forwarded-For; with none, a caller could write that header and be anyone.
 */
@Injectable()
export class TrustedProxies implements OnModuleInit {
  constructor(
    private readonly adapter: HttpAdapterHost,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onModuleInit(): void {
    // An application context (no HTTP) has no adapter.
    this.adapter.httpAdapter?.getInstance().set('trust proxy', this.config.TRUST_PROXY_HOPS);
  }
}
