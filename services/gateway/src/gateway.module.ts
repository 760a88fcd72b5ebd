import { Module } from '@nestjs/common';
import { ProbesController } from './probes.controller';
import { Readiness } from './readiness';
import { ProviderCallbacksModule } from './webhooks/provider-callbacks.module';

@Module({ imports: [ProviderCallbacksModule], controllers: [ProbesController], providers: [Readiness] })
export class GatewayModule {}
