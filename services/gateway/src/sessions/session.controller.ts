import { RpcError, SessionReplySchema, SignInRequestSchema } from '@calldesk/contracts';
import { Body, Controller, Delete, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { contractBody, contractJson } from '../api/contract-json';
import { sessionCredential } from '../api/credentials';
import { LiveStreams } from '../api/live-streams';
import { AddressLimitGuard } from '../edge/address-limit.guard';
import { Operation } from '../openapi/operation';
import { AllowedOrigins } from '../edge/allowed-origins';
import { csrfMatches, csrfTokenOf } from './csrf';
import { OwnerAccounts } from './owner-accounts';
import { sessionCookie, sessionTokenOf } from './session-cookie';
import { Sessions, type SessionRecord } from './sessions';

/**
 * An owner's browser session: sign in (the session goes into an httpOnly cookie, its CSRF token
 * into the answer), read it back on a page load, sign out. Anyone may try to sign in, so each
 * client address has its limit; a sign-in posted by another site's page is refused, so that no
 * site can sign a visitor into an account of its choosing.
 */
@Controller('v1/session')
@UseGuards(AddressLimitGuard)
export class SessionController {
  constructor(
    private readonly owners: OwnerAccounts,
    private readonly sessions: Sessions,
    private readonly streams: LiveStreams,
    private readonly origins: AllowedOrigins,
  ) {}

  @Post()
  @HttpCode(200)
  @Operation({
    summary: 'Sign an owner in: the session is set as an httpOnly cookie',
    request: { message: SignInRequestSchema, in: 'body' },
    responses: { 200: SessionReplySchema },
  })
  async signIn(@Req() request: Request, @Body() body: unknown, @Res({ passthrough: true }) response: Response) {
    if (!this.origins.admits(request)) throw new RpcError('permission_denied', 'sign in from the dashboard’s own page');
    const { email, password } = contractBody(SignInRequestSchema, body);
    const owner = await this.owners.verify(email, password);
    if (!owner) throw new RpcError('unauthenticated', 'wrong email or password');
    const { token, session } = await this.sessions.start(owner);
    response.setHeader('set-cookie', sessionCookie(request, token, this.sessions.ttlSeconds));
    return reply(token, session);
  }

  @Get()
  @Operation({ summary: 'The signed-in owner’s session, with its CSRF token', responses: { 200: SessionReplySchema } })
  async current(@Req() request: Request) {
    const token = sessionTokenOf(request);
    const session = token ? await this.sessions.find(token) : undefined;
    if (!token || !session) throw new RpcError('unauthenticated', 'not signed in');
    return reply(token, session);
  }

  /** Ends the session on every instance at once (each reads it afresh) and closes its live streams here. */
  @Delete()
  @Operation({ summary: 'Sign out: the session ends on every instance', responses: { 204: null } })
  @HttpCode(204)
  async signOut(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<void> {
    const token = sessionTokenOf(request);
    const session = token ? await this.sessions.find(token) : undefined;
    if (token && session) {
      if (!csrfMatches(token, request.headers['x-csrf-token'])) {
        throw new RpcError('permission_denied', 'send the session’s csrfToken as the X-CSRF-Token header', {
          header: 'X-CSRF-Token',
        });
      }
      await this.sessions.revoke(session.id);
      this.streams.closeCredential(sessionCredential(session.id));
    }
    response.setHeader('set-cookie', sessionCookie(request, undefined, 0));
  }
}

function reply(token: string, session: SessionRecord) {
  return contractJson(SessionReplySchema, {
    session: {
      tenantId: session.tenantId,
      email: session.email,
      csrfToken: csrfTokenOf(token),
      expiresAt: session.expiresAt.toISOString(),
    },
  });
}
