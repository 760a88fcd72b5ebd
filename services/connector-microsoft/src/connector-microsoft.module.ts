import { BookingEventStore, ConnectionMetrics, ConnectorEvents, CredentialVault, MemberCheck, MemberZone, OAuthSigners, OAuthStateStore } from '@calldesk/connector-kit';
import { Bus } from '@calldesk/messaging';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Module } from '@nestjs/common';
import type { MicrosoftConfig } from './config';
import { ConnectFlow } from './connections/connect-flow';
import { ConnectionStatusPublisher } from './connections/connection-status';
import { ConnectionsHandler } from './connections/connections.handler';
import { ConnectionsPageHandler } from './connections/connections-page.handler';
import { ConnectorHandler } from './contract/connector.handler';
import { GraphClient } from './graph/graph-client';
import { MicrosoftOAuth } from './graph/microsoft-oauth';
import { MicrosoftTokens } from './graph/microsoft-tokens';
import { CalendarStore } from './store/calendar.store';
import { SubscriptionStore } from './store/subscription.store';
import { ConnectionStore } from './store/connection.store';
import { CalendarSync } from './sync/calendar-sync';
import { WebhookHandler } from './sync/webhook.handler';

/** The Microsoft Graph (Outlook) calendar connector: connections, the connector contract, subscriptions and delta sync. */
@Module({
  providers: [
    { provide: CredentialVault, useFactory: (config: MicrosoftConfig) => CredentialVault.fromConfig(config), inject: [SERVICE_CONFIG] },
    { provide: ConnectorEvents, useFactory: (bus: Bus) => new ConnectorEvents(bus, 'microsoft'), inject: [Bus] },
    ConnectionMetrics,
    OAuthSigners,
    OAuthStateStore,
    ConnectionStore,
    CalendarStore,
    SubscriptionStore,
    BookingEventStore,
    MicrosoftOAuth,
    MicrosoftTokens,
    GraphClient,
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
export class ConnectorMicrosoftModule {}
