import {
  CONNECTOR_PROVIDER,
  ConnectionMetrics,
  ConnectorEvents,
  connectionsPageHandler,
  CredentialVault,
} from '@calldesk/connector-kit';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Module } from '@nestjs/common';
import { BusyHandler } from './busy/busy.handler';
import { RecurringSeries } from './busy/recurring-series';
import { CaldavAccounts } from './caldav/caldav-accounts';
import { CaldavHttp } from './caldav/caldav-http';
import type { CaldavConfig } from './config';
import { CalendarDirectory } from './connections/calendar-directory';
import { CalendarsHandler } from './connections/calendars.handler';
import { ConnectHandler } from './connections/connect.handler';
import { ConnectionHealth } from './connections/connection-health';
import { ConnectionStore } from './connections/connection-store';
import { BookingEventStore } from './events/booking-event-store';
import { BookingEventsHandler } from './events/booking-events.handler';
import { CalendarPoller } from './sync/calendar-poller';
import { OwnEventWatch } from './sync/own-event-watch';

/**
 * The CalDAV connector (any CalDAV server, and iCloud as provider `apple`): connections with
 * sealed credentials, calendars with roles, busy times expanded from the servers' objects, our
 * bookings' events, and polling for changes.
 */
@Module({
  providers: [
    {
      provide: CredentialVault,
      useFactory: (config: CaldavConfig) => CredentialVault.fromConfig(config),
      inject: [SERVICE_CONFIG],
    },
    { provide: CONNECTOR_PROVIDER, useValue: 'caldav' },
    ConnectorEvents,
    ConnectionMetrics,
    CaldavHttp,
    CaldavAccounts,
    ConnectionStore,
    ConnectionHealth,
    CalendarDirectory,
    BookingEventStore,
    ConnectHandler,
    CalendarsHandler,
    connectionsPageHandler('caldav', 'connection_id'),
    BusyHandler,
    RecurringSeries,
    BookingEventsHandler,
    OwnEventWatch,
    CalendarPoller,
  ],
})
export class ConnectorCaldavModule {}
