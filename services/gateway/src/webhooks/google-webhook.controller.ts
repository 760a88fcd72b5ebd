import { ProviderWebhookRpcs, RpcError } from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import { channelOfSecret } from '@calldesk/signing';
import { Controller, Headers, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Operation } from '../openapi/operation';
import { WebhookSigner } from './webhook-signer';

/**
 * POST /v1/webhooks/google: Google's push messages (headers only, empty body). The channel token
 * must be one a connector issued for this channel id (an HMAC, checked in constant time): a
 * forged or foreign message is refused here and goes no further. Genuine ones are forwarded to
 * the connector over NATS; if it cannot be reached the answer is 503, so Google retries.
 */
@Controller('v1/webhooks')
export class GoogleWebhookController {
  constructor(
    private readonly bus: Bus,
    private readonly webhooks: WebhookSigner,
  ) {}

  @Post('google')
  @Operation({
    summary: 'Google’s push messages (headers only), forwarded to the Google connector',
    headers: { 'X-Goog-Channel-ID': 'channel id', 'X-Goog-Channel-Token': 'channel token' },
    responses: { 200: null },
  })
  async google(@Headers() headers: Record<string, string | undefined>, @Res() response: Response): Promise<void> {
    const channelId = headers['x-goog-channel-id'] ?? '';
    const channelToken = headers['x-goog-channel-token'] ?? '';
    const signer = this.webhooks.signer;
    if (!signer || !channelId || !channelToken || channelOfSecret(signer, channelToken) !== channelId) {
      response.status(401).json(new RpcError('unauthenticated', 'unknown channel or token').toJSON());
      return;
    }
    try {
      const ack = await this.bus.request(
        ProviderWebhookRpcs.google,
        {
          channelId,
          channelToken,
          resourceId: headers['x-goog-resource-id'] ?? '',
          resourceState: headers['x-goog-resource-state'] ?? '',
          messageNumber: headers['x-goog-message-number'] ?? '',
          channelExpiration: headers['x-goog-channel-expiration'] ?? '',
        },
        { timeoutMs: 5_000 },
      );
      if (ack.accepted) response.status(200).end();
      else response.status(404).json(new RpcError('not_found', 'no such channel').toJSON());
    } catch {
      response.status(503).json(new RpcError('unavailable', 'the connector did not answer; retry').toJSON());
    }
  }
}
