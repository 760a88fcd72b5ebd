import { OAuthConnectorModule } from '@calldesk/connector-kit';
import { Module } from '@nestjs/common';
import { GraphCalendar } from './graph/graph-calendar';
import { GraphClient } from './graph/graph-client';
import { MicrosoftOAuth } from './graph/microsoft-oauth';
import { MicrosoftSignIn } from './graph/microsoft-sign-in';
import { MicrosoftTokens } from './graph/microsoft-tokens';
import { GraphSubscriptions } from './push/graph-subscriptions';
import { SubscriptionStore } from './push/subscription.store';
import { WebhookHandler } from './push/webhook.handler';

/** The Microsoft Graph (Outlook) calendar connector: connector-kit's OAuth connector over Graph, push by subscriptions. */
@Module({
  imports: [
    OAuthConnectorModule.register({
      provider: 'microsoft',
      displayName: 'Microsoft',
      pushTable: 'subscriptions',
      calendar: GraphCalendar,
      push: GraphSubscriptions,
      signIn: MicrosoftSignIn,
      tokens: MicrosoftTokens,
      providers: [MicrosoftOAuth, GraphClient, SubscriptionStore, WebhookHandler],
    }),
  ],
})
export class ConnectorMicrosoftModule {}
