import { Module } from '@nestjs/common';
import { AddressLimitGuard } from './address-limit.guard';
import { EdgeLimits } from './edge-limits';
import { TrustedProxies } from './trusted-proxies';

/** What every route of the gateway shares at the edge: who a caller is, and how often it may call. */
@Module({
  providers: [EdgeLimits, AddressLimitGuard, TrustedProxies],
  exports: [EdgeLimits, AddressLimitGuard],
})
export class EdgeModule {}
