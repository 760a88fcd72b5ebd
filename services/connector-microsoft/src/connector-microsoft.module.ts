import { OAuthConnectorModule } from '@calldesk/connector-kit';
import { Module } from '@nestjs/common';
import { GraphCalendar } from './graph/graph-calendar';
import { GraphClient } from './graph/graph-client';
import { MicrosoftOAuth } from './graph/microsoft-oauth';
import { MicrosoftSignIn } from './graph/microsoft-sign-in';
import { MicrosoftTokens } from './graph/microsoft-tokens';
import { GraphSubscriptions } from './push/graph-subscriptions';
import { WebhookHandler } from './push/webhook.handler';

/** The Microsoft Graph (Outlook) calendar connector: connector-kit's OAuth connector over Graph, push by subscriptions. */
@Module({
  imports: [
    OAuthConnectorModule.register({
      provider: 'microsoft',
      displayName: 'Microsoft',
      pushTable: { name: 'subscriptions', providerIdColumn: 'subscription_id', secretColumn: 'client_state_sha256' },
      calendar: GraphCalendar,
      push: GraphSubscriptions,
      signIn: MicrosoftSignIn,
      tokens: MicrosoftTokens,
      providers: [MicrosoftOAuth, GraphClient, WebhookHandler],
    }),
  ],
})
export class ConnectorMicrosoftModule {}
