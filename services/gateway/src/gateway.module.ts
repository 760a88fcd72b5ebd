import { Module } from '@nestjs/common';
import { ApiModule } from './api/api.module';
import { ProbesController } from './probes.controller';
import { ProviderCallbacksModule } from './webhooks/provider-callbacks.module';

@Module({ imports: [ProviderCallbacksModule, ApiModule], controllers: [ProbesController] })
export class GatewayModule {}
