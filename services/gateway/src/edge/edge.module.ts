import { Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_FILTER, DiscoveryModule } from '@nestjs/core';
import { AddressLimitGuard } from './address-limit.guard';
import { AllowedOrigins } from './allowed-origins';
import { CorsMiddleware } from './cors.middleware';
import { EdgeErrorFilter } from './edge-error.filter';
import { EdgeLimits } from './edge-limits';
import { RouteMethods } from './route-methods';
import { TrustedProxies } from './trusted-proxies';

/**
 * What every route of the gateway shares at the edge: who a caller is, how often it may call, which
 * browser pages may call it (CORS), and errors in the contract's shape.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    EdgeLimits,
    AddressLimitGuard,
    AllowedOrigins,
    TrustedProxies,
    RouteMethods,
    { provide: APP_FILTER, useClass: EdgeErrorFilter },
  ],
  exports: [EdgeLimits, AddressLimitGuard, AllowedOrigins],
})
export class EdgeModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(CorsMiddleware).forRoutes({ path: '*path', method: RequestMethod.ALL });
  }
}
