import { Module } from '@nestjs/common';
import { BookingLedgerConsumer } from './candidates/booking-ledger.consumer';
import { BookingLedgerRepository } from './candidates/booking-ledger.repository';
import { CandidatesHandler } from './candidates/candidates.handler';
import { CatalogModule } from './catalog/catalog.module';

/** The routing service: the catalog of tenants, members and services, and who gets a booking. */
@Module({
  imports: [CatalogModule],
  providers: [CandidatesHandler, BookingLedgerConsumer, BookingLedgerRepository],
})
export class RoutingModule {}
