import { Module } from '@nestjs/common';
import { ProbesController } from './probes.controller';
import { Readiness } from './readiness';

@Module({ controllers: [ProbesController], providers: [Readiness] })
export class GatewayModule {}
