import { Module } from '@nestjs/common';
import { EdgeModule } from '../edge/edge.module';
import { OwnerAccounts } from '../sessions/owner-accounts';
import { SessionController } from '../sessions/session.controller';
import { Sessions } from '../sessions/sessions';
import { ApiKeys } from './api-keys';
import { AuthGuard } from './auth.guard';
import { BookingsController } from './bookings.controller';
import { CatalogController } from './catalog.controller';
import { LiveCredentials } from './credentials';
import { Forward } from './forward';
import { KeyRevocations } from './key-revocations';
import { LiveEventsController } from './live-events.controller';
import { LiveStreams } from './live-streams';
import { OperatorController } from './operator.controller';
import { ServicesStatus } from './services-status';
import { SlotsController } from './slots.controller';
import { StatusController } from './status.controller';

/** The HTTP API of the web frontend, mapped onto the public NATS contract, and owners' sessions. */
@Module({
  imports: [EdgeModule],
  controllers: [
    BookingsController,
    SlotsController,
    CatalogController,
    OperatorController,
    LiveEventsController,
    StatusController,
    SessionController,
  ],
  providers: [
    ApiKeys,
    Sessions,
    OwnerAccounts,
    LiveCredentials,
    KeyRevocations,
    LiveStreams,
    AuthGuard,
    Forward,
    ServicesStatus,
  ],
})
export class ApiModule {}
