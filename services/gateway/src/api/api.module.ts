import { Module } from '@nestjs/common';
import { EdgeModule } from '../edge/edge.module';
import { ApiKeys } from './api-keys';
import { AuthGuard } from './auth.guard';
import { BookingsController } from './bookings.controller';
import { CatalogController } from './catalog.controller';
import { Forward } from './forward';
import { KeyRevocations } from './key-revocations';
import { LiveEventsController } from './live-events.controller';
import { LiveStreams } from './live-streams';
import { OperatorController } from './operator.controller';
import { ServicesStatus } from './services-status';
import { SlotsController } from './slots.controller';
import { StatusController } from './status.controller';

/** The HTTP API of the web frontend, mapped onto the public NATS contract. */
@Module({
  imports: [EdgeModule],
  controllers: [BookingsController, SlotsController, CatalogController, OperatorController, LiveEventsController, StatusController],
  providers: [ApiKeys, KeyRevocations, LiveStreams, AuthGuard, Forward, ServicesStatus],
})
export class ApiModule {}
