import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Module, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import { ConnectionMetrics } from '../connection-metrics';
import { CONNECTOR_PROVIDER, ConnectorEvents } from '../connector-events';
import { CredentialVault, type CredentialsConfig } from '../credential-vault';
import { BookingEventStore } from './booking-event.store';
import { OAuthBookingEvents } from './booking-events';
import { OAuthBusyReader } from './busy-reader';
import { OAuthCalendarAccess } from './calendar-access';
import { CalendarProvider } from './calendar-provider';
import { OAuthCalendarStore } from './calendar.store';
import { OAuthConnectFlow } from './connect-flow';
import { OAuthConnectionAdmin } from './connection-admin';
import { OAuthConnectionStatusPublisher } from './connection-status';
import { OAuthConnectionStore } from './connection.store';
import { MemberCheck } from './member-check';
import { MemberZone } from './member-zone';
import { OAuthCalendarSync } from './oauth-calendar-sync';
import { OAUTH_CONNECTOR, type OAuthConnectorOptions } from './oauth-connector-options';
import { oauthHandlers } from './oauth-handlers';
import { OAuthSignIn } from './oauth-sign-in';
import { OAuthStateStore } from './oauth-state.store';
import { OAuthTokens } from './oauth-tokens';
import { OurEventChanges } from './our-event-changes';
import { OAuthPush } from './oauth-push';
import { PushChannelStore } from './push-channel.store';
import { PushChannels } from './push-channels';
import { CalendarRelisting } from './calendar-relisting';
import { OAuthSigners } from './signers';

/** A provider's side of an OAuth connector: one class per seam, and its own parts. */
export interface OAuthConnectorDefinition extends OAuthConnectorOptions {
  calendar: Type<CalendarProvider>;
  push: Type<PushChannels>;
  signIn: Type<OAuthSignIn>;
  tokens: Type<OAuthTokens>;
  /** What those classes use and the kit does not know: the API client, the webhook handler. */
  providers: Provider[];
}

/**
 * An OAuth calendar connector (Google, Microsoft): connections and sign-in, the connector
 * contract, sync and push maintenance, all connector-kit's, over the provider's seams.
 */
@Module({})
export class OAuthConnectorModule {
  static register(definition: OAuthConnectorDefinition): DynamicModule {
    const { calendar, push, signIn, tokens, providers, ...options } = definition;
    return {
      module: OAuthConnectorModule,
      providers: [
        { provide: OAUTH_CONNECTOR, useValue: options },
        { provide: CONNECTOR_PROVIDER, useValue: options.provider },
        {
          provide: CredentialVault,
          useFactory: (config: CredentialsConfig) => CredentialVault.fromConfig(config),
          inject: [SERVICE_CONFIG],
        },
        { provide: CalendarProvider, useClass: calendar },
        { provide: PushChannels, useClass: push },
        { provide: OAuthSignIn, useClass: signIn },
        { provide: OAuthTokens, useClass: tokens },
        ConnectorEvents,
        ConnectionMetrics,
        OAuthSigners,
        OAuthStateStore,
        OAuthConnectionStore,
        OAuthCalendarStore,
        PushChannelStore,
        BookingEventStore,
        OAuthConnectionStatusPublisher,
        MemberCheck,
        MemberZone,
        OAuthCalendarAccess,
        OAuthBusyReader,
        OAuthBookingEvents,
        OurEventChanges,
        CalendarRelisting,
        OAuthPush,
        OAuthCalendarSync,
        OAuthConnectFlow,
        OAuthConnectionAdmin,
        ...oauthHandlers(options.provider),
        ...providers,
      ],
    };
  }
}
