import type { MessageInitShape } from '@bufbuild/protobuf';
import { connectionInfo, MemberZone, OAuthSigners, toRpcError } from '@calldesk/connector-kit';
import { RpcError, type OAuthCallback, type OAuthCallbackResultSchema } from '@calldesk/contracts';
import { readOAuthState } from '@calldesk/signing';
import { spanAttributes, withSpan } from '@calldesk/telemetry';
import { Injectable } from '@nestjs/common';
import { SpanKind } from '@opentelemetry/api';
import { GoogleClient } from '../google/google-client';
import { googleErrorOf, GoogleError } from '../google/google-errors';
import { GOOGLE_SCOPES, GoogleOAuth } from '../google/google-oauth';
import { GoogleTokens } from '../google/google-tokens';
import { listCalendars } from '../google/list-calendars';
import { CalendarSync } from '../sync/calendar-sync';
import { CalendarStore } from '../store/calendar.store';
import { ConnectionStore } from '../store/connection.store';
import { ConnectionStatusPublisher } from './connection-status';

/**
 * The end of the OAuth dance: the state checked (signed, not expired, bound to tenant and
 * member), the code exchanged for tokens (sealed at once), the calendars listed with their roles,
 * a push channel and a first sync for each, and connection.status published.
 */
@Injectable()
export class ConnectFlow {
  constructor(
    private readonly signers: OAuthSigners,
    private readonly oauth: GoogleOAuth,
    private readonly client: GoogleClient,
    private readonly tokens: GoogleTokens,
    private readonly connections: ConnectionStore,
    private readonly calendars: CalendarStore,
    private readonly status: ConnectionStatusPublisher,
    private readonly sync: CalendarSync,
    private readonly zones: MemberZone,
  ) {}

  async complete(callback: OAuthCallback): Promise<MessageInitShape<typeof OAuthCallbackResultSchema>> {
    const state = readOAuthState(this.signers.requireState(), 'google', callback.state);
    if (!state) throw new RpcError('invalid_argument', 'the sign-in link is invalid or has expired: start again', { field: 'state', reason: 'invalid_state' });
    if (callback.error) {
      throw new RpcError('failed_precondition', 'Google sign-in was not completed', { reason: 'consent_declined', error: callback.error.slice(0, 64) });
    }
    if (!callback.code) throw RpcError.invalidArgument('code', 'code is required');
    const { tenantId, memberId } = state;

    const tokens = await this.exchange(callback.code, tenantId, memberId);
    const granted = (tokens.scope ?? '').split(' ').filter(Boolean);
    const missing = GOOGLE_SCOPES.filter((scope) => !granted.includes(scope));
    if (!tokens.refresh_token || missing.length) {
      await this.oauth.client().revokeToken(tokens.access_token ?? '').catch(() => undefined);
      throw new RpcError(
        'failed_precondition',
        missing.length ? 'Google did not grant every permission asked for: connect again and allow them all' : 'Google gave no offline access: connect again',
        { reason: missing.length ? 'scopes_missing' : 'no_refresh_token' },
      );
    }

    const connection = await this.connections.connect(tenantId, memberId, granted, {
      refreshToken: tokens.refresh_token,
      accessToken: tokens.access_token ?? undefined,
      expiresAt: tokens.expiry_date ?? undefined,
    });
    this.tokens.forget(connection.id);
    let listed;
    try {
      listed = await this.client.call('calendarList.list', { connection }, listCalendars);
    } catch (error) {
      throw toRpcError(error, 'google');
    }
    const calendars = await this.calendars.replace(connection, listed);
    await Promise.all(calendars.filter((c) => c.role !== 'ignored').map((c) => this.sync.start(c.id)));
    await this.status.publish(connection);
    return { tenantId, connection: connectionInfo('google', connection, calendars, await this.zones.of(tenantId, memberId)) };
  }

  private async exchange(code: string, tenantId: string, memberId: string) {
    const attributes = spanAttributes({ tenantId, memberId, provider: 'google' });
    return withSpan('google oauth.token', { kind: SpanKind.CLIENT, attributes }, async () => {
      try {
        const { tokens } = await this.oauth.client().getToken(code);
        return tokens;
      } catch (error) {
        const failure = googleErrorOf(error);
        if (failure instanceof GoogleError && failure.reason === 'invalid_grant') {
          throw new RpcError('failed_precondition', 'the sign-in code was already used or has expired: start again', { reason: 'invalid_code' });
        }
        throw toRpcError(failure, 'google');
      }
    });
  }
}
