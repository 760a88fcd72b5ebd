import type { MessageInitShape } from '@bufbuild/protobuf';
import { RpcError, type BusyRequest, type BusyResponseSchema } from '@calldesk/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { calendarReadError } from '../provider-error';
import { BookingEventStore } from './booking-event.store';
import { busyWithOurEvents } from './busy-times';
import { OAuthCalendarAccess } from './calendar-access';
import { CalendarProvider } from './calendar-provider';
import { OAuthCalendarStore } from './calendar.store';
import { OAUTH_CONNECTOR, type OAuthConnectorOptions } from './oauth-connector-options';

/**
 * The member's busy times, per booking and blocking calendar, as the provider reads them; a
 * calendar that cannot be read says so alone. Our own live booking events are marked with their
 * booking id, so availability counts them once.
 */
@Injectable()
export class OAuthBusyReader {
  constructor(
    @Inject(OAUTH_CONNECTOR) private readonly options: OAuthConnectorOptions,
    private readonly provider: CalendarProvider,
    private readonly access: OAuthCalendarAccess,
    private readonly calendars: OAuthCalendarStore,
    private readonly bookingEvents: BookingEventStore,
  ) {}

  async busy(request: BusyRequest): Promise<MessageInitShape<typeof BusyResponseSchema>> {
    const asOf = new Date().toISOString();
    const calendars = (await this.calendars.ofMember(request.tenantId, request.memberId)).filter(
      (c) => c.role !== 'ignored',
    );
    if (!calendars.length) return { calendars: [], asOf };
    const connection = await this.access.liveConnection(calendars[0].connectionId);
    const from = Date.parse(request.from);
    const to = Date.parse(request.to);
    if (!(from < to)) throw RpcError.invalidArgument('to', 'to must be after from');

    const [reads, ours] = await Promise.all([
      this.provider.readBusy(connection, calendars, from, to),
      this.bookingEvents.liveIn(
        calendars.map((c) => c.id),
        new Date(from),
        new Date(to),
      ),
    ]);
    const { provider } = this.options;
    return {
      asOf,
      calendars: calendars.map((calendar) => {
        const base = { calendarId: calendar.id, role: calendar.role };
        const read = reads.get(calendar.id) ?? {
          failure: new RpcError('unavailable', `${provider} gave no answer for this calendar`),
        };
        if ('failure' in read) return { ...base, busy: [], error: calendarReadError(read.failure, provider) };
        return {
          ...base,
          busy: busyWithOurEvents(
            read,
            ours.filter((e) => e.calendarId === calendar.id),
          ),
        };
      }),
    };
  }
}
