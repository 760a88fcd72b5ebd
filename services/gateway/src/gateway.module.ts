import { Module } from '@nestjs/common';
import { ApiModule } from './api/api.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { OpenApiModule } from './openapi/openapi.module';
import { ProbesController } from './probes.controller';
import { ProviderCallbacksModule } from './webhooks/provider-callbacks.module';

@Module({
  imports: [ProviderCallbacksModule, ApiModule, DashboardModule, OpenApiModule],
  controllers: [ProbesController],
})
export class GatewayModule {}
