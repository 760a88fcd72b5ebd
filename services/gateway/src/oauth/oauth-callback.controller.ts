import { oneLine, providerCallbackRpcs, RpcError } from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import { Controller, Get, Param, Query, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { AddressLimitGuard } from '../edge/address-limit.guard';
import { HTTP_STATUS } from '../http-status';

const PROVIDERS = new Set(['google', 'microsoft']);

/**
 * GET /v1/oauth/<provider>/callback: where Google and Microsoft send the user back after consent.
 * The query is forwarded as it came to that provider's connector over NATS, which checks the
 * signed state, exchanges the code and answers the connection (or the public error shape). Anyone
 * may call it, so each client address has its limit.
 */
@Controller('v1/oauth')
@UseGuards(AddressLimitGuard)
export class OAuthCallbackController {
  constructor(private readonly bus: Bus) {}

  @Get(':provider/callback')
  async callback(@Param('provider') provider: string, @Query() query: Record<string, unknown>, @Res() response: Response): Promise<void> {
    if (!PROVIDERS.has(provider)) {
      response.status(404).json({ error: { code: 'not_found', message: `no sign-in for ${provider.slice(0, 32)}`, details: {} } });
      return;
    }
    const text = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : undefined);
    // Microsoft writes its error description over several lines (CRLF); it is the provider's prose,
    // told to the connector on one line like every other text.
    const description = text('error_description');
    const state = text('state');
    if (!state) {
      response.status(400).json(RpcError.invalidArgument('state', 'state is required').toJSON());
      return;
    }
    try {
      const result = await this.bus.request(
        providerCallbackRpcs(provider).oauthCallback,
        { state, code: text('code'), error: text('error'), errorDescription: description && oneLine(description), scope: text('scope') },
        { timeoutMs: 30_000 },
      );
      response.status(200).json({ connection: result.connection });
    } catch (error) {
      const rpcError = error instanceof RpcError ? error : new RpcError('internal', 'internal error');
      response.status(HTTP_STATUS[rpcError.code]).json(rpcError.toJSON());
    }
  }
}
