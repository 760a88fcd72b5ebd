import { LOGGER } from '@calldesk/service-kit';
import type { Logger } from '@calldesk/telemetry';
import { Module } from '@nestjs/common';
import { EdgeModule } from '../edge/edge.module';
import { OAuthCallbackController } from '../oauth/oauth-callback.controller';
import { GoogleWebhookController } from './google-webhook.controller';
import { MicrosoftWebhookController } from './microsoft-webhook.controller';
import { WebhookSigner } from './webhook-signer';

/** What providers call on the gateway: push messages and the OAuth redirect, forwarded to the connectors. */
@Module({
  imports: [EdgeModule],
  controllers: [GoogleWebhookController, MicrosoftWebhookController, OAuthCallbackController],
  providers: [
    {
      provide: WebhookSigner,
      useFactory: (logger: Logger) => {
        const signer = new WebhookSigner();
        if (!signer.signer) logger.warn('WEBHOOK_SECRET is not set: every provider push is refused');
        return signer;
      },
      inject: [LOGGER],
    },
  ],
})
export class ProviderCallbacksModule {}
