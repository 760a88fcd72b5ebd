import { CredentialVault, ConnectorEvents, isUnavailable, newProviderId, ProviderError } from '@calldesk/connector-kit';
import { Rpcs, RpcError, type ConnectRequest } from '@calldesk/contracts';
import type { EncryptedSecret } from '@calldesk/credentials';
import { Bus, Decline } from '@calldesk/messaging';
import { HandleRpc, SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import { readBudget } from '../bounds/read-budget';
import { CaldavHttp, type CaldavCredentials } from '../caldav/caldav-http';
import { DISCOVERY_MAX_BYTES, discoverAccount, type CaldavAccount } from '../caldav/discover-account';
import { listCalendars, type CaldavCalendar } from '../caldav/list-calendars';
import type { CaldavConfig } from '../config';
import { CalendarDirectory } from './calendar-directory';
import { connectionMessage } from './connection-reply';
import { ConnectionStore, type ConnectionRow } from './connection-store';

export const REJECTED_PASSWORD_MESSAGE =
  'The calendar server refused this username and password. For iCloud, use an app-specific password, not your Apple Account password: ' +
  'sign in at https://account.apple.com, open Sign-In and Security › App-Specific Passwords, create one, and enter it here.';

/**
 * calendar.v1.admin.connections.connect for `caldav` and `apple` (iCloud): the account is
 * verified at once by discovery and a calendar listing, then stored with its credentials sealed;
 * nothing is stored when it fails. Connecting the same account again (same member, server and
 * username) replaces the password and keeps the calendars' roles.
 */
@Injectable()
export class ConnectHandler {
  constructor(
    private readonly http: CaldavHttp,
    private readonly store: ConnectionStore,
    private readonly directory: CalendarDirectory,
    private readonly vault: CredentialVault,
    private readonly events: ConnectorEvents,
    private readonly bus: Bus,
    @Inject(SERVICE_CONFIG) private readonly config: CaldavConfig,
  ) {}

  @HandleRpc(Rpcs.connectionsConnect)
  async connect(request: ConnectRequest) {
    if (request.provider !== 'caldav' && request.provider !== 'apple') throw new Decline();
    const kind = request.provider;
    const serverUrl = request.serverUrl || (kind === 'apple' ? this.config.CALDAV_APPLE_SERVER_URL : '');
    if (!serverUrl)
      throw RpcError.invalidArgument(
        'serverUrl',
        'serverUrl is required for a CalDAV server, e.g. https://caldav.example.com/',
      );
    await this.http.checkDestination(new URL(serverUrl));
    this.vault.assertConfigured();
    const memberZone = await this.memberZone(request.tenantId, request.memberId);

    const credentials: CaldavCredentials = { username: request.username, password: request.password };
    const { account, calendars } = await this.verify(serverUrl, credentials);
    if (!calendars.length) {
      throw new RpcError('failed_precondition', 'the account has no calendar that holds events', {
        reason: 'no_calendars',
      });
    }

    const saved = await this.store.forMember(request.tenantId, request.memberId, async (manager) => {
      const existing = this.sameAccount(
        await this.store.memberConnections(request.tenantId, request.memberId, manager),
        serverUrl,
        credentials,
      );
      const connectionId = existing?.connectionId ?? newProviderId('caldav');
      const connection: ConnectionRow & { credentials: EncryptedSecret } = {
        connectionId,
        tenantId: request.tenantId,
        memberId: request.memberId,
        kind,
        serverUrl,
        principalUrl: account.principalUrl,
        homeUrl: account.homeUrl,
        defaultTimeZone: memberZone,
        status: 'connected',
        credentials: this.vault.seal(credentials, connectionId),
      };
      await this.store.saveConnection(manager, connection);
      return { connection, calendars: await this.directory.save(manager, connection, calendars) };
    });

    try {
      await this.events.connectionStatus(saved.connection, saved.connection.connectionId, 'connected', `${Date.now()}`);
    } catch {
      throw new RpcError('unavailable', 'the connection was saved but could not be announced: connect again', {
        connectionId: saved.connection.connectionId,
      });
    }
    return { connection: connectionMessage(saved.connection, saved.calendars) };
  }

  /** Discovery and a calendar listing, with the provider's answer in our terms. */
  private async verify(
    serverUrl: string,
    credentials: CaldavCredentials,
  ): Promise<{ account: CaldavAccount; calendars: CaldavCalendar[] }> {
    const options = {
      credentials,
      breakerKey: `server:${new URL(serverUrl).origin}`,
      budgetMs: this.config.CALDAV_CALL_BUDGET_MS,
    };
    const fetch = this.http.fetchFor(options);
    try {
      const account = await discoverAccount(
        this.http.fetchFor({ ...options, maxBytes: DISCOVERY_MAX_BYTES }),
        serverUrl,
      );
      return { account, calendars: await listCalendars(fetch, account.homeUrl, readBudget(this.config)) };
    } catch (error) {
      if (error instanceof ProviderError && error.kind === 'auth_rejected') {
        throw new RpcError('invalid_argument', REJECTED_PASSWORD_MESSAGE, {
          field: 'password',
          reason: 'auth_rejected',
        });
      }
      if (isUnavailable(error)) {
        throw new RpcError(
          'unavailable',
          `the calendar server at ${new URL(serverUrl).origin} could not be reached: try again later`,
          {
            reason: 'calendar_unavailable',
          },
        );
      }
      if (error instanceof RpcError) throw error;
      throw RpcError.invalidArgument('serverUrl', `no CalDAV calendar service answers at ${serverUrl}`);
    }
  }

  /** The member's live connection to this account, if any (usernames are sealed: open to compare). */
  private sameAccount(
    connections: ConnectionRow[],
    serverUrl: string,
    credentials: CaldavCredentials,
  ): ConnectionRow | undefined {
    return connections.find((connection) => {
      if (connection.serverUrl !== serverUrl || !connection.credentials) return false;
      try {
        const stored = this.vault.open<CaldavCredentials>(connection.credentials, connection.connectionId);
        return stored.username.toLowerCase() === credentials.username.toLowerCase();
      } catch {
        return false;
      }
    });
  }

  private async memberZone(tenantId: string, memberId: string): Promise<string> {
    const { member } = await this.bus.request(Rpcs.membersGet, { tenantId, id: memberId });
    if (!member) throw RpcError.notFound('member', memberId);
    return member.timeZone;
  }
}
