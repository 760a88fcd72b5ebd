import { connectorRpcs } from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import { LOGGER, PeriodicTask, SERVICE_CONFIG } from '@calldesk/service-kit';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { BookingConfig } from '../config';
import { BookingRepository } from './booking.repository';

/** Undone bookings swept per round. */
const BATCH = 100;

/**
 * Nothing is orphaned (DESIGN §4): an undone booking's event is deleted when it is undone, but a
 * write that stalled at the provider can land after that delete, leaving an appointment in the
 * owner's calendar that no booking holds. Booking owns which events are ours (each event's id
 * derives from its booking's), so once BOOKING_EVENT_SWEEP_GRACE_MS has passed since a booking
 * was undone, the event of that booking is deleted once more, wherever it landed; a delete the
 * connector cannot make now is tried again next round.
 */
@Injectable()
export class OrphanSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task: PeriodicTask;

  constructor(
    private readonly bus: Bus,
    private readonly bookings: BookingRepository,
    @Inject(SERVICE_CONFIG) private readonly config: BookingConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.task = new PeriodicTask(
      'orphan event sweep',
      config.BOOKING_RECONCILE_INTERVAL_MS,
      () => this.sweep(),
      logger,
    );
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** One round over the bookings undone longer than the grace ago and not swept since. */
  async sweep(): Promise<void> {
    for (const booking of await this.bookings.unswept(this.config.BOOKING_EVENT_SWEEP_GRACE_MS, BATCH)) {
      try {
        const { found } = await this.bus.request(
          connectorRpcs(booking.provider).deleteEvent,
          { tenantId: booking.tenantId, calendarId: booking.calendarId, bookingId: booking.id },
          { timeoutMs: this.config.PROVIDER_WRITE_TIMEOUT_MS },
        );
        await this.bookings.swept(booking.id);
        if (found)
          this.logger.warn('deleted the provider event of an undone booking: its write landed after the undo', {
            bookingId: booking.id,
            calendarId: booking.calendarId,
          });
      } catch (error) {
        this.logger.warn('orphan event sweep left a booking for the next round', {
          bookingId: booking.id,
          error: (error as Error).message,
        });
      }
    }
  }
}
