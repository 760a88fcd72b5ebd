export { assignRoles, changeRole, parseRole, type CalendarRole, type DiscoveredCalendar, type MemberCalendarRole } from './calendar-roles';
export { ConnectorEvents, memberOf, type ConnectionStatus, type MemberRef } from './connector-events';
export { ConnectionMetrics } from './connection-metrics';
export { connectionsPage } from './connections-page';
export { CredentialVault, credentialsConfig, type CredentialsConfig } from './credential-vault';
export { declineUnlessOwned, isOwnedBy, newProviderId } from './ids';
export { ianaZoneOf } from './zone-names';
export {
  calendarReadError,
  classifyProviderError,
  isAuthRejected,
  isUnavailable,
  isUnexpected,
  ProviderError,
  toRpcError,
  type ProviderFailure,
} from './provider-error';
export { BookingEventStore, type BookingEvent, type BookingEventState } from './oauth/booking-event.store';
export { addCalendarsListedAt, createBookingEventsTable, createCalendarsTable, createConnectionsTable, createOAuthStatesTable } from './oauth/connector-tables';
export { OAuthCalendarStore, type ListedCalendar, type OAuthCalendar, type OAuthCalendarStoreOptions } from './oauth/calendar.store';
export { OAuthConnectionStore, type OAuthConnection, type OAuthCredentials } from './oauth/connection.store';
export { calendarInfo, connectionInfo } from './oauth/calendar-info';
export { OAuthTokens, type AccessToken } from './oauth/oauth-tokens';
export { OAuthClient, type CallTarget, type ProviderCallConfig } from './oauth/oauth-client';
export { OAuthConnectionStatusPublisher } from './oauth/connection-status';
export { MemberZone } from './oauth/member-zone';
export { MemberCheck } from './oauth/member-check';
export { OAuthStateStore } from './oauth/oauth-state.store';
export { oauthConnectorConfig, type OAuthConnectorConfig } from './oauth/oauth-config';
export { OAuthSigners } from './oauth/signers';
export { relistCalendars, type Relisted } from './oauth/relist-calendars';
export { OAuthCalendarSync, type OAuthCalendarSyncParts } from './oauth/oauth-calendar-sync';
export { OAuthConnectionAdmin, type OAuthConnectionAdminParts } from './oauth/connection-admin';
export { OAuthConnectFlow, usedSignInCode, type OAuthConnectFlowParts, type SignInTokens } from './oauth/connect-flow';
export { OAuthCalendarAccess } from './oauth/calendar-access';
