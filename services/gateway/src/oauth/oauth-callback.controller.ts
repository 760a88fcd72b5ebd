import {
  ConnectionReplySchema,
  OAuthCallbackSchema,
  oneLine,
  providerCallbackRpcs,
  RpcError,
} from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import { Controller, Get, Param, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AddressLimitGuard } from '../edge/address-limit.guard';
import { HTTP_STATUS } from '../http-status';
import { Operation } from '../openapi/operation';

const PROVIDERS = new Set(['google', 'microsoft']);

/**
 * GET /v1/oauth/<provider>/callback: where Google and Microsoft send the user back after consent.
 * The query is forwarded as it came to that provider's connector over NATS, which checks the
 * signed state, exchanges the code and answers the connection (or the public error shape). A
 * browser (it asks for HTML) is sent back to the dashboard's calendar page instead, with the
 * error's message when there is one. Anyone may call it, so each client address has its limit.
 */
@Controller('v1/oauth')
@UseGuards(AddressLimitGuard)
export class OAuthCallbackController {
  constructor(private readonly bus: Bus) {}

  @Get(':provider/callback')
  @Operation({
    summary:
      'Where Google and Microsoft send the owner back after consent; a browser is sent on to the dashboard (303)',
    path: { provider: 'provider (google or microsoft)' },
    request: { message: OAuthCallbackSchema, in: 'query' },
    responses: { 200: ConnectionReplySchema, 303: null },
  })
  async callback(
    @Param('provider') provider: string,
    @Query() query: Record<string, unknown>,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const browser = request.accepts(['json', 'html']) === 'html';
    if (!PROVIDERS.has(provider)) {
      response
        .status(404)
        .json({ error: { code: 'not_found', message: `no sign-in for ${provider.slice(0, 32)}`, details: {} } });
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
        {
          state,
          code: text('code'),
          error: text('error'),
          errorDescription: description && oneLine(description),
          scope: text('scope'),
        },
        { timeoutMs: 30_000 },
      );
      if (browser) return response.redirect(303, '/app#/calendar');
      response.status(200).json({ connection: result.connection });
    } catch (error) {
      const rpcError = error instanceof RpcError ? error : new RpcError('internal', 'internal error');
      if (browser) return response.redirect(303, `/app#/calendar?${new URLSearchParams({ error: rpcError.message })}`);
      response.status(HTTP_STATUS[rpcError.code]).json(rpcError.toJSON());
    }
  }
}
