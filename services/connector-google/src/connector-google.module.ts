import { BookingEventStore, ConnectionMetrics, ConnectorEvents, CredentialVault, MemberCheck, MemberZone, OAuthSigners, OAuthStateStore } from '@calldesk/connector-kit';
import { Bus } from '@calldesk/messaging';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Module } from '@nestjs/common';
import type { GoogleConfig } from './config';
import { ConnectFlow } from './connections/connect-flow';
import { ConnectionStatusPublisher } from './connections/connection-status';
import { ConnectionsHandler } from './connections/connections.handler';
import { ConnectionsPageHandler } from './connections/connections-page.handler';
import { ConnectorHandler } from './contract/connector.handler';
import { GoogleClient } from './google/google-client';
import { GoogleOAuth } from './google/google-oauth';
import { GoogleTokens } from './google/google-tokens';
import { CalendarStore } from './store/calendar.store';
import { ChannelStore } from './store/channel.store';
import { ConnectionStore } from './store/connection.store';
import { CalendarSync } from './sync/calendar-sync';
import { WebhookHandler } from './sync/webhook.handler';

/** The Google Calendar connector: connections, the connector contract, push and sync. */
@Module({
  providers: [
    { provide: CredentialVault, useFactory: (config: GoogleConfig) => CredentialVault.fromConfig(config), inject: [SERVICE_CONFIG] },
    { provide: ConnectorEvents, useFactory: (bus: Bus) => new ConnectorEvents(bus, 'google'), inject: [Bus] },
    ConnectionMetrics,
    OAuthSigners,
    OAuthStateStore,
    ConnectionStore,
    CalendarStore,
    ChannelStore,
    BookingEventStore,
    GoogleOAuth,
    GoogleTokens,
    GoogleClient,
    ConnectionStatusPublisher,
    MemberZone,
    MemberCheck,
    CalendarSync,
    ConnectFlow,
    ConnectionsHandler,
    ConnectionsPageHandler,
    ConnectorHandler,
    WebhookHandler,
  ],
})
export class ConnectorGoogleModule {}
