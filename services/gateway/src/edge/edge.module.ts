import { Module } from '@nestjs/common';
import { APP_FILTER, DiscoveryModule } from '@nestjs/core';
import { AddressLimitGuard } from './address-limit.guard';
import { EdgeErrorFilter } from './edge-error.filter';
import { EdgeLimits } from './edge-limits';
import { RouteMethods } from './route-methods';
import { TrustedProxies } from './trusted-proxies';

/**
 * What every route of the gateway shares at the edge: who a caller is, how often it may call, and
 * errors in the contract's shape.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [EdgeLimits, AddressLimitGuard, TrustedProxies, RouteMethods, { provide: APP_FILTER, useClass: EdgeErrorFilter }],
  exports: [EdgeLimits, AddressLimitGuard],
})
export class EdgeModule {}
