import { ProviderWebhookRpcs, RpcError } from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import { channelOfSecret } from '@calldesk/signing';
import { Body, Controller, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Operation } from '../openapi/operation';
import { WebhookSigner } from './webhook-signer';

interface GraphNotificationBody {
  subscriptionId?: unknown;
  clientState?: unknown;
  changeType?: unknown;
  resource?: unknown;
  resourceData?: { id?: unknown };
  lifecycleEvent?: unknown;
}

/**
 * POST /v1/webhooks/microsoft: Graph's change and lifecycle notifications, and its validation
 * handshake (echo `validationToken` as text/plain within 10 s). Each notification's clientState
 * must be one a connector issued (an HMAC, checked in constant time); those that are not are
 * dropped here, and a post with none genuine is refused. The rest are forwarded over NATS and
 * answered 202 at once (Graph wants an answer within 3 s); the connector processes after.
 */
@Controller('v1/webhooks')
export class MicrosoftWebhookController {
  constructor(
    private readonly bus: Bus,
    private readonly webhooks: WebhookSigner,
  ) {}

  @Post('microsoft')
  @Operation({
    summary:
      'Microsoft Graph’s change and lifecycle notifications (Graph’s own JSON), and its validation handshake (?validationToken=…, echoed)',
    responses: { 200: { mediaType: 'text/plain', description: 'The validationToken, echoed.' }, 202: null },
  })
  async microsoft(
    @Query('validationToken') validationToken: unknown,
    @Body() body: unknown,
    @Res() response: Response,
  ): Promise<void> {
    if (typeof validationToken === 'string') {
      response.status(200).type('text/plain').send(validationToken);
      return;
    }
    const signer = this.webhooks.signer;
    const entries = Array.isArray((body as { value?: unknown })?.value)
      ? (body as { value: GraphNotificationBody[] }).value
      : [];
    const genuine = entries.filter(
      (entry) =>
        signer && typeof entry?.clientState === 'string' && channelOfSecret(signer, entry.clientState) !== undefined,
    );
    if (!genuine.length) {
      response.status(401).json(new RpcError('unauthenticated', 'no notification with a known clientState').toJSON());
      return;
    }
    try {
      await this.bus.request(
        ProviderWebhookRpcs.microsoft,
        {
          notifications: genuine.map((entry) => ({
            subscriptionId: text(entry.subscriptionId),
            clientState: text(entry.clientState),
            changeType: text(entry.changeType),
            resource: text(entry.resource),
            resourceId: text(entry.resourceData?.id),
            lifecycleEvent: text(entry.lifecycleEvent),
          })),
        },
        { timeoutMs: 2_500 },
      );
      response.status(202).end();
    } catch {
      response.status(503).json(new RpcError('unavailable', 'the connector did not answer; retry').toJSON());
    }
  }
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.slice(0, 1_024) : '';
}
