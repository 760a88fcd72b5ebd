import { OAuthConnectorModule } from '@calldesk/connector-kit';
import { Module } from '@nestjs/common';
import { GoogleCalendar } from './google/google-calendar';
import { GoogleClient } from './google/google-client';
import { GoogleOAuth } from './google/google-oauth';
import { GoogleSignIn } from './google/google-sign-in';
import { GoogleTokens } from './google/google-tokens';
import { GoogleChannels } from './push/google-channels';
import { WebhookHandler } from './push/webhook.handler';

/** The Google Calendar connector: connector-kit's OAuth connector over Google's Calendar API, push by channels. */
@Module({
  imports: [
    OAuthConnectorModule.register({
      provider: 'google',
      displayName: 'Google',
      pushTable: { name: 'channels', providerIdColumn: 'resource_id', secretColumn: 'token_sha256' },
      calendar: GoogleCalendar,
      push: GoogleChannels,
      signIn: GoogleSignIn,
      tokens: GoogleTokens,
      providers: [GoogleOAuth, GoogleClient, WebhookHandler],
    }),
  ],
})
export class ConnectorGoogleModule {}
