import {
  Connection_Status,
  Events,
  NotificationChannel,
  Rpcs,
  RpcError,
  type Booking,
  type ConnectionStatusChanged,
  type Member,
} from '@calldesk/contracts';
import { Bus, type Delivery as EventDelivery } from '@calldesk/messaging';
import { HandleEvent, LOGGER } from '@calldesk/service-kit';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import { EmailChannel } from './channels/email';
import { SmsChannel } from './channels/sms';
import { Deliveries, type Delivery } from './deliveries';
import { customerText, ownerNotice, reauthNotice, type BookingChange } from './messages/booking-messages';

const ATTEMPTS = 5;

/**
 * Tells people what happened: the customer by text when a booking is made, moved or cancelled;
 * the owner on their preferred channel about bookings and about a calendar that needs
 * reconnecting. Each message goes once per event; a provider that refuses is retried with backoff,
 * and after the last attempt the failure is published and logged.
 */
@Injectable()
export class Notifier {
  constructor(
    private readonly bus: Bus,
    private readonly deliveries: Deliveries,
    private readonly sms: SmsChannel,
    private readonly email: EmailChannel,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @HandleEvent(Events.bookingAny, {
    durable: 'notifications-bookings',
    maxAttempts: ATTEMPTS,
    initialBackoffMs: 1_000,
    startAt: 'new',
  })
  async onBooking(booking: Booking, event: EventDelivery): Promise<void> {
    const change = event.subject.split('.').pop() as BookingChange;
    if (!['confirmed', 'rescheduled', 'cancelled', 'flagged'].includes(change)) return;
    const found = await this.lookup(() =>
      Promise.all([
        this.bus.request(Rpcs.membersGet, { tenantId: booking.tenantId, id: booking.memberId }),
        this.bus.request(Rpcs.servicesGet, { tenantId: booking.tenantId, id: booking.serviceId }),
      ]),
    );
    if (!found) return;
    const [{ member }, { service }] = found;
    const facts = {
      change,
      bookingId: booking.id,
      start: booking.start,
      serviceName: service!.name,
      memberName: member!.name,
      customerName: booking.customer!.name,
      customerPhone: booking.customer!.phone,
      timeZone: member!.timeZone,
      cancelReason: booking.cancelReason,
      attention: booking.attention,
    };
    const key = event.msgId ?? `${booking.id}:${change}:${booking.updatedAt}`;
    const toCustomer = customerText(facts);
    const failures: Error[] = [];
    if (toCustomer) {
      await this.deliver(
        {
          key: `${key}:customer`,
          tenantId: booking.tenantId,
          bookingId: booking.id,
          channel: 'sms',
          recipientKind: 'customer',
        },
        event,
        () => this.sms.text(booking.customer!.phone, toCustomer),
      ).catch((error: Error) => failures.push(error));
    }
    await this.toOwner(member!, key, booking.tenantId, booking.id, ownerNotice(facts), event).catch((error: Error) =>
      failures.push(error),
    );
    if (failures.length) throw failures[0];
  }

  @HandleEvent(Events.connectionStatus, {
    durable: 'notifications-connections',
    maxAttempts: ATTEMPTS,
    initialBackoffMs: 1_000,
    startAt: 'new',
  })
  async onConnection(status: ConnectionStatusChanged, event: EventDelivery): Promise<void> {
    if (status.status !== Connection_Status.needs_reauth) return;
    const found = await this.lookup(() =>
      this.bus.request(Rpcs.membersGet, { tenantId: status.tenantId, id: status.memberId }),
    );
    if (!found) return;
    const { member } = found;
    const key = event.msgId ?? `${status.connectionId}:needs_reauth`;
    await this.toOwner(member!, key, status.tenantId, undefined, reauthNotice(status.provider), event);
  }

  /** Routing's answer, or nothing when what the event names is gone: that will not change on retry. */
  private async lookup<T>(ask: () => Promise<T>): Promise<T | undefined> {
    try {
      return await ask();
    } catch (error) {
      if (error instanceof RpcError && error.code === 'not_found') {
        this.logger.warn('nobody to notify: the member or service is gone', { error: error.message });
        return undefined;
      }
      throw error;
    }
  }

  private async toOwner(
    member: Member,
    key: string,
    tenantId: string,
    bookingId: string | undefined,
    notice: { subject: string; text: string },
    event: EventDelivery,
  ): Promise<void> {
    const base = { key: `${key}:owner`, tenantId, bookingId, recipientKind: 'owner' as const };
    if (member.notifyBy === NotificationChannel.sms && member.phone) {
      await this.deliver({ ...base, channel: 'sms' }, event, () => this.sms.text(member.phone!, notice.text));
    } else if (member.notifyBy === NotificationChannel.email && member.email) {
      await this.deliver({ ...base, channel: 'email' }, event, () =>
        this.email.mail(member.email!, notice.subject, notice.text),
      );
    }
  }

  private async deliver(
    delivery: Delivery,
    event: EventDelivery,
    send: () => Promise<{ providerMessageId?: string }>,
  ): Promise<void> {
    if (!(await this.deliveries.begin(delivery))) return;
    const outcome = {
      tenantId: delivery.tenantId,
      bookingId: delivery.bookingId ?? '',
      channel: delivery.channel,
      recipientKind: delivery.recipientKind,
    };
    try {
      const sent = await send();
      await this.deliveries.sent(delivery.key, sent.providerMessageId);
      await this.bus.events.publish(Events.notificationSent, outcome, `${delivery.key}:sent`);
    } catch (error) {
      const reason = (error as Error).message;
      await this.deliveries.failed(delivery.key, reason);
      if (event.attempt < ATTEMPTS) throw error;
      // The last attempt: say so, and let the rest of the event's messages stand.
      await this.bus.events.publish(Events.notificationFailed, { ...outcome, error: reason }, `${delivery.key}:failed`);
    }
  }
}
