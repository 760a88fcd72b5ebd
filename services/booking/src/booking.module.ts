import { Module } from '@nestjs/common';
import { Alternatives } from './bookings/alternatives';
import { BookingRepository } from './bookings/booking.repository';
import { BookingsHandler } from './bookings/bookings.handler';
import { ChangeBooking } from './bookings/change-booking';
import { CreateBooking } from './bookings/create-booking';
import { CurrentBookingsHandler } from './bookings/current-bookings.handler';
import { ProviderChangesConsumer } from './bookings/provider-changes.consumer';
import { OrphanSweeper } from './bookings/orphan-sweeper';
import { Reconciler } from './bookings/reconciler';
import { Settlement } from './bookings/settlement';
import { SlotAttempts } from './bookings/slot-attempts';
import { CreateHold } from './holds/create-hold';
import { HoldExpiry } from './holds/hold-expiry';
import { HoldRepository } from './holds/hold.repository';
import { HoldsHandler } from './holds/holds.handler';
import { Idempotent } from './idempotency/idempotent';
import { IdempotencyStore } from './idempotency/idempotency.store';
import { CalendarLock } from './locks/calendar-lock';
import { OutboxHealth } from './outbox/outbox-health';
import { OutboxMetrics } from './outbox/outbox-metrics';
import { OutboxRelay } from './outbox/outbox-relay';
import { RetentionPurge } from './retention/retention-purge';

@Module({
  providers: [
    OutboxRelay,
    OutboxHealth,
    OutboxMetrics,
    BookingRepository,
    CalendarLock,
    IdempotencyStore,
    Idempotent,
    Settlement,
    Alternatives,
    SlotAttempts,
    HoldRepository,
    CreateBooking,
    CreateHold,
    HoldsHandler,
    HoldExpiry,
    ChangeBooking,
    BookingsHandler,
    CurrentBookingsHandler,
    Reconciler,
    OrphanSweeper,
    ProviderChangesConsumer,
    RetentionPurge,
  ],
})
export class BookingModule {}
