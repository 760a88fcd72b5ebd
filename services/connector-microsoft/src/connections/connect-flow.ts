import type { MessageInitShape } from '@bufbuild/protobuf';
import { connectionInfo, MemberZone, OAuthSigners, toRpcError } from '@calldesk/connector-kit';
import { RpcError, type OAuthCallback, type OAuthCallbackResultSchema } from '@calldesk/contracts';
import { readOAuthState } from '@calldesk/signing';
import { spanAttributes, withSpan } from '@calldesk/telemetry';
import { Injectable } from '@nestjs/common';
import { SpanKind } from '@opentelemetry/api';
import { GraphClient } from '../graph/graph-client';
import { GraphFailure } from '../graph/graph-errors';
import { listCalendars } from '../graph/list-calendars';
import { MICROSOFT_SCOPES, MicrosoftOAuth, type TokenAnswer } from '../graph/microsoft-oauth';
import { MicrosoftTokens } from '../graph/microsoft-tokens';
import { CalendarSync } from '../sync/calendar-sync';
import { CalendarStore } from '../store/calendar.store';
import { ConnectionStore } from '../store/connection.store';
import { ConnectionStatusPublisher } from './connection-status';

/**
 * The end of the OAuth dance: the state checked (signed, not expired, bound to tenant and
 * member), the code exchanged (tokens sealed at once), the calendars listed with their roles, a
 * subscription and a first delta round for each, and connection.status published.
 */
@Injectable()
export class ConnectFlow {
  constructor(
    private readonly signers: OAuthSigners,
    private readonly oauth: MicrosoftOAuth,
    private readonly client: GraphClient,
    private readonly tokens: MicrosoftTokens,
    private readonly connections: ConnectionStore,
    private readonly calendars: CalendarStore,
    private readonly status: ConnectionStatusPublisher,
    private readonly sync: CalendarSync,
    private readonly zones: MemberZone,
  ) {}

  async complete(callback: OAuthCallback): Promise<MessageInitShape<typeof OAuthCallbackResultSchema>> {
    const state = readOAuthState(this.signers.requireState(), 'microsoft', callback.state);
    if (!state) throw new RpcError('invalid_argument', 'the sign-in link is invalid or has expired: start again', { field: 'state', reason: 'invalid_state' });
    if (callback.error) {
      throw new RpcError('failed_precondition', 'Microsoft sign-in was not completed', { reason: 'consent_declined', error: callback.error.slice(0, 64) });
    }
    if (!callback.code) throw RpcError.invalidArgument('code', 'code is required');
    const { tenantId, memberId } = state;

    const tokens = await this.exchange(callback.code, tenantId, memberId);
    const granted = tokens.scopes.map((s) => s.toLowerCase());
    const missing = MICROSOFT_SCOPES.filter((s) => s !== 'offline_access' && !granted.some((g) => g === s.toLowerCase() || g.endsWith(`/${s.toLowerCase()}`)));
    if (!tokens.refreshToken || missing.includes('Calendars.ReadWrite')) {
      throw new RpcError(
        'failed_precondition',
        tokens.refreshToken ? 'Microsoft did not grant access to the calendars: connect again and allow it' : 'Microsoft gave no offline access: connect again',
        { reason: tokens.refreshToken ? 'scopes_missing' : 'no_refresh_token' },
      );
    }
    const connection = await this.connections.connect(tenantId, memberId, tokens.scopes, {
      refreshToken: tokens.refreshToken,
      accessToken: tokens.accessToken,
      expiresAt: tokens.expiresAt,
    });
    this.tokens.forget(connection.id);
    let listed;
    try {
      listed = await this.client.call('calendars.list', { connection }, listCalendars);
    } catch (error) {
      throw toRpcError(error, 'microsoft');
    }
    const calendars = await this.calendars.replace(connection, listed);
    await Promise.all(calendars.filter((c) => c.role !== 'ignored').map((c) => this.sync.start(c.id)));
    await this.status.publish(connection);
    return { tenantId, connection: connectionInfo('microsoft', connection, calendars, await this.zones.of(tenantId, memberId)) };
  }

  private async exchange(code: string, tenantId: string, memberId: string): Promise<TokenAnswer> {
    const attributes = spanAttributes({ tenantId, memberId, provider: 'microsoft' });
    return withSpan('microsoft oauth.token', { kind: SpanKind.CLIENT, attributes }, async () => {
      try {
        return await this.oauth.exchange(code, AbortSignal.timeout(10_000));
      } catch (error) {
        if (error instanceof GraphFailure && error.code === 'invalid_grant') {
          throw new RpcError('failed_precondition', 'the sign-in code was already used or has expired: start again', { reason: 'invalid_code' });
        }
        throw toRpcError(error, 'microsoft');
      }
    });
  }
}
